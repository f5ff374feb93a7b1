import { operationsError } from '../errors';

/**
 * The throw-away root module an import run plans in (a temp dir, its own local state, never the
 * environment's backend). It is made of the environment's own files, so the provider pin, the provider
 * block (endpoint, token and TLS trust from the deploy stage's session), the state and plan encryption and
 * the variables exist once, in terraform/environments/<env>: only the backend is swapped for a local one.
 * A probe resource's planned values are the provider's defaults.
 */
export const PROBE_LABEL = 'infra_import_probe';
export const PROBE_BLOCKS_LABEL = 'infra_import_probe_blocks';

/** What the scratch module takes from the environment's root module (the rest of it declares VMs). */
export const ROOT_FILES = ['versions.tf', 'providers.tf', 'variables.tf'] as const;

const BACKEND_START = /^([ \t]*)backend\s+"[A-Za-z0-9_]+"\s*\{/m;

/**
 * `text` (a versions.tf, `file` for the message) with its backend block, whatever its type and settings,
 * replaced by `backend "local" {}`; unchanged when it declares none (tofu's default is local too). Pure.
 */
export function withLocalBackend(text: string, file: string): string {
  const match = BACKEND_START.exec(text);
  if (!match) return text;
  let depth = 0;
  let inString = false;
  for (let i = match.index + match[0].length - 1; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0)
      return `${text.slice(0, match.index)}${match[1]}backend "local" {}${text.slice(i + 1)}`;
  }
  throw operationsError('IMPORT_ROOT_INCOMPLETE', `${file}: the backend block has no closing brace`, {
    hint: 'run `tofu fmt` / `tofu validate` in that directory and fix the block it names',
  });
}

/**
 * Planned, never applied: what the provider fills in for a VM that sets only node_name (top-level
 * defaults, and the blocks it adds by itself), and for one empty element of each block the generator
 * writes (every nested default).
 */
export const PROBE_TF = `resource "proxmox_virtual_environment_vm" "${PROBE_LABEL}" {
  node_name = var.node_name
}

resource "proxmox_virtual_environment_vm" "${PROBE_BLOCKS_LABEL}" {
  node_name = var.node_name

  agent {}
  cpu {}
  memory {}
  disk {
    interface = "scsi0"
  }
  network_device {}
  serial_device {}
  vga {}
}
`;
