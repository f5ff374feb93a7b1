/**
 * Proxmox property strings (`local-lvm:0,import-from=local:import/x.qcow2,discard=on`): comma-separated
 * `key=value` pairs where one bare value belongs to the format's default key. Used by handlers to read
 * drive, net, hostpci and mapping values; the schema-level format check is the validator's job.
 */
export type PropertyMap = Record<string, string>;

export function parsePropertyString(value: string, defaultKey?: string): PropertyMap {
  const result: PropertyMap = {};
  for (const part of value.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq === -1) {
      if (defaultKey === undefined) throw new Error(`value without key '${part}'`);
      if (defaultKey in result)
        throw new Error(`duplicate key in comma-separated list property: ${defaultKey}`);
      result[defaultKey] = part;
      continue;
    }
    const key = part.slice(0, eq);
    if (key in result) throw new Error(`duplicate key in comma-separated list property: ${key}`);
    result[key] = part.slice(eq + 1);
  }
  return result;
}

/** Prints a property string: the default key's value first and bare, then the others in the given order. */
export function formatPropertyString(
  map: PropertyMap,
  defaultKey?: string,
  order?: readonly string[],
): string {
  const parts: string[] = [];
  if (defaultKey !== undefined && map[defaultKey] !== undefined) parts.push(map[defaultKey]);
  const keys = Object.keys(map).filter((k) => k !== defaultKey);
  const ranked = order
    ? [...order.filter((k) => keys.includes(k)), ...keys.filter((k) => !order.includes(k)).sort()]
    : keys;
  for (const key of ranked) parts.push(`${key}=${map[key]}`);
  return parts.join(',');
}

/** Map entries as Proxmox prints them: keys sorted alphabetically. */
export function formatSortedPropertyString(map: PropertyMap): string {
  return Object.keys(map)
    .sort()
    .map((key) => `${key}=${map[key]}`)
    .join(',');
}
