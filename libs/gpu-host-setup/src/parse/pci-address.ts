/**
 * PCI addresses as sysfs and Proxmox spell them: `DDDD:BB:SS.F` (domain, bus, slot, function), lower-case hex.
 * lspci prints the domain only with `-D` or on non-zero domains, so every parser normalises through here.
 */
const FULL = /^(?:([0-9a-f]{4,}):)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i;
const SLOT = /^(?:([0-9a-f]{4,}):)?([0-9a-f]{2}):([0-9a-f]{2})$/i;

/** `01:00.0` → `0000:01:00.0`; undefined when the text is not a PCI function address. */
export function normalizePciAddress(text: string): string | undefined {
  const match = FULL.exec(text.trim());
  if (!match) return undefined;
  const [, domain = '0000', bus, slot, fn] = match;
  return `${domain.toLowerCase()}:${bus!.toLowerCase()}:${slot!.toLowerCase()}.${fn}`;
}

/** The slot (device) part of a function address: `0000:01:00.1` → `0000:01:00`. */
export function slotOf(address: string): string {
  return address.slice(0, address.lastIndexOf('.'));
}

/**
 * A selector address may name a slot (`01:00`, all functions) or one function (`01:00.0`); either way the
 * slot is what gets passed through.
 */
export function normalizeSlotSelector(text: string): string | undefined {
  const asFunction = normalizePciAddress(text);
  if (asFunction) return slotOf(asFunction);
  const match = SLOT.exec(text.trim());
  if (!match) return undefined;
  const [, domain = '0000', bus, slot] = match;
  return `${domain.toLowerCase()}:${bus!.toLowerCase()}:${slot!.toLowerCase()}`;
}

/** Numeric order of addresses (string order is the same for fixed-width hex, but domains may be longer). */
export function comparePciAddresses(a: string, b: string): number {
  const key = (address: string) => address.split(/[:.]/).map((part) => Number.parseInt(part, 16));
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    const diff = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
