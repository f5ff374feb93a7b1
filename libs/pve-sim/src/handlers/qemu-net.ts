import { PROPERTY_STRING_FORMATS, splitPropertyString } from '@infra/pve-api';
import type { RequestContext } from '../core';
import { dieError } from '../errors';
import type { Rng } from '../rng';
import { checkBridge } from './qemu-perms';

const MODELS = [
  'e1000',
  'e1000-82540em',
  'e1000-82544gc',
  'e1000-82545em',
  'e1000e',
  'i82551',
  'i82557b',
  'i82559er',
  'ne2k_isa',
  'ne2k_pci',
  'pcnet',
  'rtl8139',
  'virtio',
  'vmxnet3',
];

/** A random MAC in Proxmox's OUI (BC:24:11), as PVE generates for new NICs. */
export function randomMac(rng: Rng): string {
  return `BC:24:11:${rng.hex(3).toUpperCase().match(/../g)!.join(':')}`;
}

/**
 * `netN`: checks the bridge exists on the node and SDN.Use, and fills in a MAC when none is given. Stored as
 * PVE prints it: `<model>=<MAC>,bridge=…[,…]`.
 */
export function normalizeNet(ctx: RequestContext, node: string, value: string, rng: Rng): string {
  const parsed = splitPropertyString(value, PROPERTY_STRING_FORMATS.net);
  const values: Record<string, string> = parsed.ok ? { ...parsed.values } : {};
  const model = values.model ?? MODELS.find((m) => value.startsWith(m)) ?? 'virtio';
  const mac = values.macaddr ?? randomMac(rng);
  const bridge = values.bridge;
  if (bridge !== undefined) {
    if (!ctx.state.nodes[node]?.bridges.includes(bridge)) throw dieError(`bridge '${bridge}' does not exist`);
    checkBridge(ctx, bridge, values.tag);
  }
  const rest = Object.entries(values)
    .filter(([k]) => k !== 'model' && k !== 'macaddr')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return [`${model}=${mac}`, ...rest].join(',');
}

/** New MACs for every NIC (clones). */
export function regenerateMacs(config: Record<string, string>, rng: Rng): void {
  for (const key of Object.keys(config)) {
    if (!/^net\d+$/.test(key)) continue;
    config[key] = config[key]!.replace(
      /^([a-z0-9_-]+)=([0-9A-Fa-f:]{17})/,
      (_m, model: string) => `${model}=${randomMac(rng)}`,
    );
  }
}
