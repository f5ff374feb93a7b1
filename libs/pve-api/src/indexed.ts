import type { ParamSpec } from './table-types';

/** `indexedKey('scsi', 0)` → `scsi0`. */
export function indexedKey(base: string, index: number): string {
  if (!Number.isInteger(index) || index < 0)
    throw new RangeError(`index must be a non-negative integer, got ${index}`);
  return `${base}${index}`;
}

/** `scsi12` → { base: 'scsi', index: 12 }; names without a canonical trailing number → null. */
export function parseIndexedKey(name: string): { base: string; index: number } | null {
  const match = /^([a-z][a-z_-]*?)(0|[1-9]\d*)$/i.exec(name);
  return match ? { base: match[1]!, index: Number(match[2]) } : null;
}

/**
 * Resolves a concrete parameter name against a parameter table: the name itself, or `base[n]` when the name is
 * `base<index>` with an index in range (`scsi31` is not a parameter: scsi goes up to 30).
 */
export function lookupParam(
  params: Readonly<Record<string, ParamSpec>>,
  name: string,
): { key: string; spec: ParamSpec } | undefined {
  // Names come from requests: own keys only, so `constructor` is not a parameter of every endpoint.
  const direct = Object.hasOwn(params, name) ? params[name] : undefined;
  if (direct && !direct.indexed) return { key: name, spec: direct };
  const parsed = parseIndexedKey(name);
  if (!parsed) return undefined;
  const key = `${parsed.base}[n]`;
  const spec = Object.hasOwn(params, key) ? params[key] : undefined;
  if (!spec?.indexed || parsed.index > spec.indexed.max) return undefined;
  return { key, spec };
}

/** The lowest free index for `base` in a VM config, e.g. the next `unused<n>` or `net<n>`. */
export function nextFreeIndex(
  config: Readonly<Record<string, unknown>>,
  base: string,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  for (let i = 0; i <= max; i += 1) if (config[indexedKey(base, i)] === undefined) return i;
  return undefined;
}

/** All `base<n>` keys present in a config, in index order. */
export function indexedEntries<V>(config: Readonly<Record<string, V>>, base: string): Array<[number, V]> {
  const out: Array<[number, V]> = [];
  for (const [name, value] of Object.entries(config)) {
    const parsed = parseIndexedKey(name);
    if (parsed && parsed.base === base) out.push([parsed.index, value]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}
