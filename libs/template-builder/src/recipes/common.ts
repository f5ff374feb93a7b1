import type { Environment, VmHardware } from '@infra/config';
import type { PlannedRecipe, TemplatePlacement } from '../plan';

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

/** What every OS of the `images:` catalog has: its name, version, hardware and where it goes. */
export interface CatalogFields {
  os: string;
  version: string;
  hardware: VmHardware;
  placement: TemplatePlacement;
  bridge: string;
}

/**
 * The pure recipe of a catalog OS: its own fingerprint inputs, description and identity; the name is
 * `<os>-<version>[-<kind>]-<fingerprint prefix>` (`debian-13-1a2b3c4d`; Proxmox VM names are DNS names: dots
 * become dashes), the tags `infra;<os>`.
 */
export function catalogPlannedRecipe(
  c: CatalogFields,
  own: Pick<PlannedRecipe, 'fingerprintInputs' | 'what' | 'identity' | 'vmExtras'> & { kind?: string },
): PlannedRecipe {
  const { kind, ...rest } = own;
  return {
    os: c.os,
    placement: c.placement,
    bridge: c.bridge,
    hardware: c.hardware,
    ...rest,
    templateName: (fingerprint) =>
      [c.os, c.version, ...(kind ? [kind] : []), fingerprint.slice(0, 8)]
        .join('-')
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-'),
    tags: ['infra', c.os],
  };
}
