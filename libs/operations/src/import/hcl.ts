/**
 * HCL text for generated configuration (pure). Values are rendered the way `tofu fmt` leaves them (it aligns
 * the `=` afterwards): quoted strings with HCL's escapes (`${` and `%{` doubled so nothing interpolates),
 * numbers, booleans, one-line lists and objects.
 */
export function hclString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
  return `"${escaped}"`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function hclValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return hclString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(hclValue).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    if (entries.length === 0) return '{}';
    const key = (k: string) => (IDENTIFIER.test(k) ? k : hclString(k));
    return `{ ${entries.map(([k, v]) => `${key(k)} = ${hclValue(v)}`).join(', ')} }`;
  }
  throw new TypeError(`no HCL form for a ${typeof value}`);
}

/** A resource label from a VM name: lowercase, `_` for anything else, never starting with a digit. */
export function resourceLabel(name: string, vmid: number): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!label) return `vm_${vmid}`;
  return /^[0-9]/.test(label) ? `vm_${label}` : label;
}
