import { hclString, hclValue } from './hcl';
import type { BlockSchema } from './schema';

/**
 * Turns what the bpg provider read for a VM (the imported state, from the plan of `tofu plan
 * -generate-config-out`) into configuration in the style of terraform/modules/proxmox-vm: the arguments in
 * the module's order, then the rest alphabetically; only what differs from what the provider would plan
 * anyway. An argument is left out when
 *   - the provider computes it (optional + computed): an absent argument keeps the state's value;
 *   - it equals the provider's default (the `defaults` are what the same tofu plans for a VM resource with
 *     only `node_name` set, so they are the pinned provider's own, not a table kept by hand);
 *   - it has no default and holds the zero value (`""`, `0`, `false`, `[]`), which an absent one plans too.
 * Sensitive arguments are never written (reported instead). Pure: tests feed it plan JSON.
 */
export const VM_RESOURCE = 'proxmox_virtual_environment_vm';

const TOP_ORDER = [
  'name',
  'description',
  'tags',
  'node_name',
  'vm_id',
  'machine',
  'bios',
  'scsi_hardware',
  'started',
  'on_boot',
];
const BLOCK_ORDER = [
  'agent',
  'cpu',
  'memory',
  'disk',
  'efi_disk',
  'network_device',
  'operating_system',
  'serial_device',
  'initialization',
  'hostpci',
];
/** Arguments kept even when they equal the default: they say what the VM is (the module always sets them). */
const ALWAYS = new Set(['name', 'node_name', 'vm_id']);

type Values = Record<string, unknown>;

export interface RenderInput {
  label: string;
  importId: string;
  values: Values;
  schema: BlockSchema;
  defaults: Values | undefined;
  header: string[];
}

export interface RenderedVm {
  text: string;
  /** Sensitive arguments with a value that were left out (e.g. a cloud-init password). */
  omittedSensitive: string[];
}

const isZero = (v: unknown) =>
  v === '' ||
  v === 0 ||
  v === false ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && v !== null && Object.keys(v).length === 0);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return deepEqual(ka, kb) && ka.every((k) => deepEqual((a as Values)[k], (b as Values)[k]));
  }
  return false;
}

const ordered = (keys: string[], order: readonly string[]) =>
  [...keys].sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    if (ia !== -1 || ib !== -1) return (ia === -1 ? order.length : ia) - (ib === -1 ? order.length : ib);
    return a.localeCompare(b);
  });

function renderBlock(
  schema: BlockSchema,
  values: Values,
  defaults: Values | undefined,
  indent: string,
  path: string,
  sensitive: string[],
  top: boolean,
): string[] {
  const lines: string[] = [];
  const attributes = schema.attributes ?? {};
  for (const key of ordered(Object.keys(attributes), top ? TOP_ORDER : [])) {
    const spec = attributes[key]!;
    const value = values[key];
    if (value === null || value === undefined) continue;
    if (spec.computed && !spec.optional && !spec.required) continue;
    if (spec.sensitive) {
      if (!isZero(value)) sensitive.push(`${path}${key}`);
      continue;
    }
    const keep = top && ALWAYS.has(key);
    if (!keep && spec.computed) continue;
    const fallback = defaults?.[key];
    if (!keep && fallback !== undefined && fallback !== null && deepEqual(value, fallback)) continue;
    if (!keep && (fallback === undefined || fallback === null) && isZero(value)) continue;
    lines.push(`${indent}${key} = ${hclValue(value)}`);
  }
  const blocks = schema.block_types ?? {};
  for (const key of ordered(Object.keys(blocks), top ? BLOCK_ORDER : [])) {
    const elements = values[key];
    if (!Array.isArray(elements) || elements.length === 0) continue;
    const fallback = defaults?.[key];
    if (Array.isArray(fallback) && deepEqual(elements, fallback)) continue;
    const elementDefaults = Array.isArray(fallback) ? (fallback[0] as Values | undefined) : undefined;
    elements.forEach((element, i) => {
      const inner = renderBlock(
        blocks[key]!.block,
        (element ?? {}) as Values,
        elementDefaults,
        `${indent}  `,
        `${path}${key}[${i}].`,
        sensitive,
        false,
      );
      lines.push('');
      lines.push(inner.length === 0 ? `${indent}${key} {}` : `${indent}${key} {`, ...inner);
      if (inner.length > 0) lines.push(`${indent}}`);
    });
  }
  // No blank line right after an opening brace.
  while (lines[0] === '') lines.shift();
  return lines;
}

/** One file: the `import` block and the resource it imports into. */
export function renderImportedVm(input: RenderInput): RenderedVm {
  const omittedSensitive: string[] = [];
  const body = renderBlock(input.schema, input.values, input.defaults, '  ', '', omittedSensitive, true);
  const text = [
    ...input.header.map((line) => `# ${line}`.trimEnd()),
    'import {',
    `  to = ${VM_RESOURCE}.${input.label}`,
    `  id = ${hclString(input.importId)}`,
    '}',
    '',
    `resource "${VM_RESOURCE}" "${input.label}" {`,
    ...body,
    '}',
    '',
  ].join('\n');
  return { text, omittedSensitive };
}
