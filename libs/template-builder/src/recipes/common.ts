import type { Environment } from '@infra/config';
import type { TemplatePlacement } from '../plan';

/** Where every recipe's template (or install media) lives in this environment: node, storages, VMID range. */
export const placementOf = (environment: Environment): TemplatePlacement => ({
  node: environment.proxmox.node,
  storage: environment.proxmox.storage,
  vmidRange: environment.templates.vmidRange,
});

/** `sha256:<hex>` / `sha512:<hex>` (the config schema checked the form) → algorithm and lower-case hex. */
export function splitChecksum(pinned: string): { algorithm: 'sha256' | 'sha512'; checksum: string } {
  const [algorithm, checksum = ''] = pinned.toLowerCase().split(':') as ['sha256' | 'sha512', string];
  return { algorithm, checksum };
}
