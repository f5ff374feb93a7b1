/**
 * Deep merge for configuration layers: objects merge key by key, everything else (arrays included) is replaced
 * by the later layer. Alongside the value it records which layer set each leaf, for `config describe`.
 */
export type Plain = Record<string, unknown>;
export type Provenance = Record<string, string>;

export function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface Layer {
  /** Human name of the layer, e.g. "catalog" or "environments.prod". */
  name: string;
  value: Plain;
}

export function mergeLayers(layers: readonly Layer[]): { value: Plain; provenance: Provenance } {
  const provenance: Provenance = {};
  let value: Plain = {};
  for (const layer of layers) value = mergeInto(value, layer.value, layer.name, [], provenance);
  return { value, provenance };
}

function mergeInto(
  base: Plain,
  over: Plain,
  layerName: string,
  path: string[],
  provenance: Provenance,
): Plain {
  const out: Plain = { ...base };
  for (const [key, overValue] of Object.entries(over)) {
    const childPath = [...path, key];
    const baseValue = Object.hasOwn(out, key) ? out[key] : undefined;
    if (isPlainObject(baseValue) && isPlainObject(overValue)) {
      setOwn(out, key, mergeInto(baseValue, overValue, layerName, childPath, provenance));
    } else {
      // A replaced subtree no longer carries the provenance of what it replaced.
      const prefix = `${childPath.join('.')}.`;
      for (const known of Object.keys(provenance)) if (known.startsWith(prefix)) delete provenance[known];
      setOwn(out, key, overValue);
      recordLeaves(overValue, childPath, layerName, provenance);
    }
  }
  return out;
}

/** `out[key] = value` would call the `__proto__` setter (and lose the key) instead of adding an own key. */
function setOwn(target: Plain, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function recordLeaves(value: unknown, path: string[], layerName: string, provenance: Provenance): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value))
      recordLeaves(child, [...path, key], layerName, provenance);
  } else {
    provenance[path.join('.')] = layerName;
  }
}
