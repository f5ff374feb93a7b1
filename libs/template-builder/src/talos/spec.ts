import { createHash } from 'node:crypto';
import type { VmHardware } from '@infra/config';
import { parseManagedDescription, stableJson } from '../image-plan';

export { fingerprintTag } from '../image-plan';

/**
 * Everything that defines a Talos golden template. Two builds with equal specs produce interchangeable
 * templates, so the spec's hash (the fingerprint) is the template's identity on the Proxmox node.
 */
export interface TalosTemplateSpec {
  node: string;
  bridge: string;
  storage: { images: string; disks: string };
  vmidRange: { start: number; end: number };
  schematicId: string;
  talosVersion: string;
  platform: string;
  arch: string;
  hardware: VmHardware;
}

/** Bump when the VM recipe in plan.ts changes, so existing templates are rebuilt with the new recipe. */
export const RECIPE_VERSION = 1;

/** sha256 over what defines the template (the VMID range and node are where it lives, not what it is). */
export function templateFingerprint(spec: TalosTemplateSpec): string {
  const material = {
    recipe: RECIPE_VERSION,
    kind: 'talos',
    schematicId: spec.schematicId,
    talosVersion: spec.talosVersion,
    platform: spec.platform,
    arch: spec.arch,
    hardware: spec.hardware,
    storage: spec.storage,
    bridge: spec.bridge,
  };
  return createHash('sha256').update(stableJson(material)).digest('hex');
}

export const TALOS_TEMPLATE_TAGS = ['infra', 'talos'] as const;

/** `talos-v1.13.9-a31d81ec` */
export const templateName = (spec: Pick<TalosTemplateSpec, 'talosVersion' | 'schematicId'>) =>
  `talos-${spec.talosVersion}-${spec.schematicId.slice(0, 8)}`;

/** File name of the downloaded disk image in the storage's `import` content. */
export const importFileName = (
  spec: Pick<TalosTemplateSpec, 'talosVersion' | 'schematicId' | 'platform' | 'arch'>,
) => `talos-${spec.talosVersion}-${spec.schematicId.slice(0, 12)}-${spec.platform}-${spec.arch}.qcow2`;

/** What the template's description holds (JSON), so a human and the next build can see what it is. */
export interface TemplateDescription {
  managedBy: 'infra talos:build-image';
  fingerprint: string;
  schematicId: string;
  talosVersion: string;
  platform: string;
  arch: string;
  sourceUrl: string;
  sourceSha256: string;
  importVolume: string;
  hardware: VmHardware;
  builtAt: string;
  /** The build run that made it (its marker tags are removed once it is a template). */
  buildRun: string;
}

export const parseTemplateDescription = (text: string | undefined) =>
  parseManagedDescription<TemplateDescription>(text, 'infra talos:build-image');
