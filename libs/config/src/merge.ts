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
    const baseValue = out[key];
    if (isPlainObject(baseValue) && isPlainObject(overValue)) {
      out[key] = mergeInto(baseValue, overValue, layerName, childPath, provenance);
    } else {
      // A replaced subtree no longer carries the provenance of what it replaced.
      const prefix = `${childPath.join('.')}.`;
      for (const known of Object.keys(provenance)) if (known.startsWith(prefix)) delete provenance[known];
      out[key] = overValue;
      recordLeaves(overValue, childPath, layerName, provenance);
    }
  }
  return out;
}

function recordLeaves(value: unknown, path: string[], layerName: string, provenance: Provenance): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value))
      recordLeaves(child, [...path, key], layerName, provenance);
  } else {
    provenance[path.join('.')] = layerName;
  }
}
