import { createHash } from 'node:crypto';
import type { PciMapping, VmState } from './schema';

/**
 * The text of /etc/pve/qemu-server/<vmid>.conf as qemu-server writes it (description as `#` comment lines,
 * then keys sorted), and its digest: the SHA-1 of that text, which clients echo back for optimistic locking.
 */
export function renderVmConfig(vm: Pick<VmState, 'config' | 'description'>): string {
  let raw = '';
  if (vm.description) {
    for (const line of vm.description.split('\n')) raw += `#${encodeText(line)}\n`;
  }
  for (const key of Object.keys(vm.config).sort()) raw += `${key}: ${vm.config[key]}\n`;
  return raw;
}

export function vmDigest(vm: Pick<VmState, 'config' | 'description'>): string {
  return sha1(renderVmConfig(vm));
}

/** /etc/pve/mapping/pci.cfg; its digest is shared by every entry (the file is the unit of locking). */
export function renderPciMappings(mappings: Record<string, PciMapping>): string {
  let raw = '';
  for (const id of Object.keys(mappings).sort()) {
    const entry = mappings[id]!;
    raw += `${id}\n`;
    if (entry.description) raw += `\tdescription ${encodeText(entry.description)}\n`;
    if (entry['live-migration-capable'] !== undefined)
      raw += `\tlive-migration-capable ${entry['live-migration-capable'] ? 1 : 0}\n`;
    for (const map of entry.map) raw += `\tmap ${map}\n`;
    if (entry.mdev !== undefined) raw += `\tmdev ${entry.mdev ? 1 : 0}\n`;
    raw += '\n';
  }
  return raw;
}

export function pciMappingsDigest(mappings: Record<string, PciMapping>): string {
  return sha1(renderPciMappings(mappings));
}

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** Comment lines cannot hold newlines or control characters; %-escape them (and `%` itself). */
function encodeText(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    out += c === '%' || code < 0x20 ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : c;
  }
  return out;
}

/** Config keys whose schema type is integer/number/boolean: GET …/config returns them as JSON numbers. */
const NUMERIC_KEYS = new Set([
  'acpi',
  'balloon',
  'cores',
  'cpulimit',
  'cpuunits',
  'freeze',
  'keephugepages',
  'kvm',
  'localtime',
  'migrate_downtime',
  'migrate_speed',
  'numa',
  'onboot',
  'protection',
  'reboot',
  'shares',
  'sockets',
  'tablet',
  'template',
  'vcpus',
  'ciupgrade',
]);

/** The JSON shape of a config: numbers for numeric keys, strings for everything else. */
export function typedConfig(config: Record<string, string>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(config)) {
    out[key] = NUMERIC_KEYS.has(key) && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}
