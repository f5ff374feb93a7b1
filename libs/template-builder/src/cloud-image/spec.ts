import { createHash } from 'node:crypto';
import type { Environment, VmHardware } from '@infra/config';
import { InfraError } from '@infra/core';
import { parseManagedDescription, stableJson, type TemplatePlacement } from '../image-plan';

/**
 * Everything that defines the base template of a cloud-image OS (Debian today): the official image (URL and
 * checksum), the VM hardware, where disks go and which bridge the NIC uses. Equal specs → interchangeable
 * templates, so the spec's hash (the fingerprint) is the template's identity on the node.
 */
export interface CloudImageSpec extends TemplatePlacement {
  os: string;
  version: string;
  bridge: string;
  source: { url: string; algorithm: 'sha256' | 'sha512'; checksum: string };
  hardware: VmHardware;
}

/** Bump when the VM recipe in plan.ts changes, so existing base templates are rebuilt with the new recipe. */
export const CLOUD_IMAGE_RECIPE_VERSION = 1;
export const CLOUD_IMAGE_MANAGED_BY = 'infra cloud-image:build-image';

export function cloudImageSpec(environment: Environment, os: string): CloudImageSpec {
  const image = Object.hasOwn(environment.images, os) ? environment.images[os] : undefined;
  if (!image) {
    const buildable = ['talos', ...Object.keys(environment.images)].join(', ');
    throw new InfraError(
      'IMAGE_NOT_CONFIGURED',
      `environment "${environment.name}" has no images.${os} in ${environment.configFile}`,
      {
        hint: `buildable here: ${buildable}; to add ${os}, give images.${os} a version, source.url and source.checksum`,
      },
    );
  }
  const [algorithm, checksum] = image.source.checksum.toLowerCase().split(':') as [
    'sha256' | 'sha512',
    string,
  ];
  return {
    os,
    version: image.version,
    node: environment.proxmox.node,
    bridge: environment.proxmox.bridge,
    storage: environment.proxmox.storage,
    vmidRange: environment.templates.vmidRange,
    source: { url: image.source.url, algorithm, checksum },
    hardware: image.hardware,
  };
}

/** sha256 over what defines the template (the VMID range and node are where it lives, not what it is). */
export function cloudImageFingerprint(spec: CloudImageSpec): string {
  const material = {
    recipe: CLOUD_IMAGE_RECIPE_VERSION,
    kind: 'cloud-image',
    os: spec.os,
    version: spec.version,
    source: spec.source,
    hardware: spec.hardware,
    storage: spec.storage,
    bridge: spec.bridge,
  };
  return createHash('sha256').update(stableJson(material)).digest('hex');
}

/** `debian-13-1a2b3c4d` (Proxmox VM names are DNS names: dots become dashes). */
export const cloudImageTemplateName = (spec: Pick<CloudImageSpec, 'os' | 'version'>, fingerprint: string) =>
  `${spec.os}-${spec.version}-${fingerprint.slice(0, 8)}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');

/**
 * The downloaded file's name in `import` content: the URL's last segment, content-addressed by the checksum so
 * two sources with the same file name never collide. Proxmox only imports `.qcow2/.raw/.vmdk/.ova` names, and
 * the VM recipe imports qcow2.
 */
export function cloudImageFileName(spec: CloudImageSpec): string {
  const last = decodeURIComponent(new URL(spec.source.url).pathname.split('/').pop() ?? '');
  if (!last.endsWith('.qcow2')) {
    throw new InfraError(
      'IMAGE_NOT_QCOW2',
      `images.${spec.os}.source.url must name a .qcow2 file (Proxmox imports it as is), got "${last || spec.source.url}"`,
      { hint: `use the distribution's qcow2 cloud image (e.g. Debian's *-genericcloud-amd64-*.qcow2)` },
    );
  }
  const stem = last.slice(0, -'.qcow2'.length).replace(/[^a-zA-Z0-9\-.+=_]/g, '_');
  return `${stem}-${spec.source.checksum.slice(0, 12)}.qcow2`;
}

/** The base template's description (JSON): what it is, so a human and the next build can tell. */
export interface CloudImageDescription {
  managedBy: typeof CLOUD_IMAGE_MANAGED_BY;
  os: string;
  version: string;
  fingerprint: string;
  source: { url: string; checksum: string };
  importVolume: string;
  hardware: VmHardware;
  builtAt: string;
  /** The build run that made it (its marker tags are removed once it is a template). */
  buildRun: string;
}

export const parseCloudImageDescription = (text: string | undefined) =>
  parseManagedDescription<CloudImageDescription>(text, CLOUD_IMAGE_MANAGED_BY);
