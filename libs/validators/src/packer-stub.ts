/**
 * Without a plugin, `packer validate` stops at "Missing plugins" and checks nothing. To still have the real
 * Packer check everything the plugin does not own (variables and their validation rules with the injected
 * values, locals and templatefile(), the build block, built-in provisioners and post-processors), a scratch
 * copy swaps each source block of the missing plugin for Packer's built-in `null` source and drops the
 * plugin from required_plugins. Line numbers are kept (removed lines become blank), so findings point at
 * the real files. Relies on canonical formatting (`packer fmt` runs first): top-level blocks close with `}`
 * at column 0, and attribute-map entries close at their own indentation.
 */
export interface StubbedTemplate {
  text: string;
  /** Source addresses that were replaced, e.g. `proxmox-clone.debian`. */
  stubbed: string[];
}

/** `github.com/hashicorp/proxmox` → builder types `proxmox` and `proxmox-*`. */
function ownsBuilder(plugin: string, type: string): boolean {
  const short = plugin.split('/').at(-1) ?? plugin;
  return type === short || type.startsWith(`${short}-`);
}

export function stubPluginSources(text: string, plugin: string): StubbedTemplate {
  const lines = text.split('\n');
  const stubbed: string[] = [];
  const renames = new Map<string, string>();

  // 1. required_plugins entries whose source is the missing plugin: `name = {` ... `}` at the same indent.
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)[\w-]+\s*=\s*\{\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!;
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^${indent}\\}\\s*$`).test(lines[end]!)) end++;
    if (end >= lines.length) continue;
    const body = lines.slice(i, end + 1).join('\n');
    if (new RegExp(`source\\s*=\\s*"${plugin.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`).test(body)) {
      for (let j = i; j <= end; j++) lines[j] = '';
      i = end;
    }
  }

  // 2. Top-level source blocks of the plugin → `source "null" "<type>_<name>" { communicator = "none" }`.
  for (let i = 0; i < lines.length; i++) {
    const open = /^source\s+"([^"]+)"\s+"([^"]+)"\s*\{\s*$/.exec(lines[i]!);
    if (!open || !ownsBuilder(plugin, open[1]!)) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== '}') end++;
    if (end >= lines.length) continue;
    const [type, name] = [open[1]!, open[2]!];
    const stubName = `${type}_${name}`;
    renames.set(`source.${type}.${name}`, `source.null.${stubName}`);
    renames.set(`"${type}.${name}"`, `"null.${stubName}"`);
    stubbed.push(`${type}.${name}`);
    const replacement = [`source "null" "${stubName}" {`, '  communicator = "none"'];
    const length = end - i + 1;
    for (let j = i; j <= end; j++) lines[j] = '';
    if (length >= 3) {
      lines[i] = replacement[0]!;
      lines[i + 1] = replacement[1]!;
      lines[end] = '}';
    } else {
      lines[i] = `${replacement[0]} communicator = "none" }`;
    }
    i = end;
  }

  // 3. References to the replaced sources (build `sources = [...]`, `source "type.name" {}` blocks).
  let out = lines.join('\n');
  for (const [from, to] of renames) out = out.split(from).join(to);
  return { text: out, stubbed };
}
