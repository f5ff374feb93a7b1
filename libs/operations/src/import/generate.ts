import { hclString, hclValue } from './hcl';
import type { BlockSchema } from './schema';

/**
 * Turns what the bpg provider read for a VM (the imported state, from a `tofu plan` of its import block)
 * into configuration in the style of terraform/modules/proxmox-vm: the arguments in
 * the module's order, then the rest alphabetically; only what differs from what the provider would plan
 * anyway, plus what identifies a disk or NIC. An argument is left out when
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
/**
 * Arguments kept even when they equal the default or are computed: they say what the VM is, as the
 * module's arguments do (a disk's storage, slot and size; a NIC's bridge, model and MAC address).
 */
const IDENTITY: Readonly<Record<string, readonly string[]>> = {
  '': ['name', 'node_name', 'vm_id'],
  disk: ['datastore_id', 'interface', 'size'],
  efi_disk: ['datastore_id', 'type'],
  network_device: ['bridge', 'model', 'mac_address'],
  cpu: ['cores'],
  memory: ['dedicated'],
};
/**
 * Optional + computed list attributes the provider accepts in block syntax (`ConfigMode: attr`, e.g.
 * `network_device`): written as blocks, like the module does.
 */
const ATTRIBUTE_BLOCKS = new Set(['network_device']);

type Values = Record<string, unknown>;

export interface RenderInput {
  label: string;
  importId: string;
  values: Values;
  schema: BlockSchema;
  /** The planned values of a VM with only node_name: top-level defaults and the blocks it adds itself. */
  defaults: Values | undefined;
  /** The planned values of a VM with one empty element per block: each block's nested defaults. */
  elementDefaults?: Values | undefined;
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
  elementDefaults: Values | undefined,
  indent: string,
  path: string,
  sensitive: string[],
  blockName: string,
): string[] {
  const top = blockName === '';
  const lines: string[] = [];
  const attributes = schema.attributes ?? {};
  const identity = IDENTITY[blockName] ?? [];
  const blockLike: Array<[string, Values[]]> = [];
  for (const key of ordered(Object.keys(attributes), top ? TOP_ORDER : [])) {
    const spec = attributes[key]!;
    const value = values[key];
    if (value === null || value === undefined) continue;
    if (spec.computed && !spec.optional && !spec.required) continue;
    if (spec.sensitive) {
      if (!isZero(value)) sensitive.push(`${path}${key}`);
      continue;
    }
    if (top && ATTRIBUTE_BLOCKS.has(key) && Array.isArray(value)) {
      blockLike.push([key, value as Values[]]);
      continue;
    }
    const keep = identity.includes(key) && !isZero(value);
    if (!keep && spec.computed) continue;
    const fallback = defaults?.[key];
    if (!keep && fallback !== undefined && fallback !== null && deepEqual(value, fallback)) continue;
    if (!keep && (fallback === undefined || fallback === null) && isZero(value)) continue;
    lines.push(`${indent}${key} = ${hclValue(value)}`);
  }
  const blocks: Record<string, { block: BlockSchema }> = { ...(schema.block_types ?? {}) };
  for (const [key, elements] of blockLike) {
    // The element's fields, as optional arguments without a known default (the probe gives them).
    const first = elements.find((e) => e && typeof e === 'object') ?? {};
    const fromProbe = elementDefaults?.[key] ?? defaults?.[key];
    const probeElement = Array.isArray(fromProbe) ? (fromProbe[0] as Values | undefined) : undefined;
    const fields = new Set([...Object.keys(first), ...Object.keys(probeElement ?? {})]);
    blocks[key] = {
      block: { attributes: Object.fromEntries([...fields].map((f) => [f, { optional: true }])) },
    };
  }
  for (const key of ordered(Object.keys(blocks), top ? BLOCK_ORDER : [])) {
    const elements = values[key];
    if (!Array.isArray(elements) || elements.length === 0) continue;
    const fallback = defaults?.[key];
    const isAttributeBlock = blockLike.some(([k]) => k === key);
    if (!isAttributeBlock && Array.isArray(fallback) && deepEqual(elements, fallback)) continue;
    const probed = elementDefaults?.[key] ?? fallback;
    const nested = Array.isArray(probed) ? (probed[0] as Values | undefined) : undefined;
    elements.forEach((element, i) => {
      const inner = renderBlock(
        blocks[key]!.block,
        (element ?? {}) as Values,
        nested,
        undefined,
        `${indent}  `,
        `${path}${key}[${i}].`,
        sensitive,
        top ? key : `${blockName}.${key}`,
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

/**
 * Blocks whose read value no configuration can state: PVE leaves `ostype` out of a VM made through the API
 * without one, bpg reads that as `type = ""`, and its validator accepts only real OS types (an absent block
 * plans its default, "other", i.e. a change to the VM). Such a block is left to the VM (`ignore_changes`)
 * until the user picks a value.
 */
function unstatable(values: Values): Array<{ block: string; why: string }> {
  const os = values.operating_system;
  if (Array.isArray(os) && os.length > 0 && (os[0] as Values | undefined)?.type === '')
    return [
      {
        block: 'operating_system',
        why: 'the VM has no ostype, which bpg cannot state (its default is "other")',
      },
    ];
  return [];
}

/** One file: the `import` block and the resource it imports into. */
export function renderImportedVm(input: RenderInput): RenderedVm {
  const omittedSensitive: string[] = [];
  const ignored = unstatable(input.values);
  const values = Object.fromEntries(
    Object.entries(input.values).filter(([key]) => !ignored.some((i) => i.block === key)),
  );
  const body = renderBlock(
    input.schema,
    values,
    input.defaults,
    input.elementDefaults,
    '  ',
    '',
    omittedSensitive,
    '',
  );
  if (ignored.length > 0) {
    body.push(
      '',
      ...ignored.flatMap((i) => [
        `  # ${i.block}: ${i.why};`,
        '  # set it here and drop it from ignore_changes.',
      ]),
      '  lifecycle {',
      `    ignore_changes = [${ignored.map((i) => i.block).join(', ')}]`,
      '  }',
    );
  }
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
