import type { Environment } from '@infra/config';
import { InfraError } from '@infra/core';
import type { TemplateBuilderErrorCode } from '../error-codes';
import { packerGolden } from '../golden/stage';
import type { PlannedRecipe } from '../plan';
import type { TemplateRecipe } from '../recipe';
import { type CatalogFields, catalogPlannedRecipe, placementOf, splitChecksum } from './common';

/**
 * Any OS under `images:` in infra.config.yaml: the distribution's official qcow2 cloud image, pinned by its
 * checksum (`sha256:` or `sha512:`), as a base template with a cloud-init drive and DHCP; then, when
 * `packer/<os>/` exists, the golden stage (Packer + Ansible) on top of it.
 */
export function cloudImageRecipe(environment: Environment, os: string): TemplateRecipe {
  const image = Object.hasOwn(environment.images, os) ? environment.images[os] : undefined;
  if (!image) {
    const buildable = ['talos', ...Object.keys(environment.images)].join(', ');
    throw new InfraError<TemplateBuilderErrorCode>(
      'IMAGE_NOT_CONFIGURED',
      `environment "${environment.name}" has no images.${os} in ${environment.configFile}`,
      {
        hint: `buildable here: ${buildable}; to add ${os}, give images.${os} a version, source.url and source.checksum`,
      },
    );
  }
  const source = { url: image.source.url, ...splitChecksum(image.source.checksum) };
  const planned = cloudPlannedRecipe({
    os,
    version: image.version,
    source,
    hardware: image.hardware,
    placement: placementOf(environment),
    bridge: environment.proxmox.bridge,
  });
  return {
    ...planned,
    base: 'template',
    sourceSetting: `images.${os}.source.url`,
    warnings: [],
    source: async () => ({ ...source, filename: cloudImageFileName(os, source) }),
    golden: packerGolden(environment, os),
  };
}

/** Cloud images published as qcow2: `.qcow2`, and Ubuntu's `.img` (a qcow2 under another name). */
const QCOW2_NAMES = /\.(qcow2|img)$/;

/**
 * The downloaded file's name in `import` content: the URL's last segment, content-addressed by the checksum so
 * two sources with the same file name never collide. Proxmox only imports `.qcow2/.raw/.vmdk/.ova` names, and
 * the VM recipe imports qcow2, so an `.img` (qcow2 inside) is stored as `.qcow2`.
 */
export function cloudImageFileName(os: string, source: { url: string; checksum: string }): string {
  const last = decodeURIComponent(new URL(source.url).pathname.split('/').pop() ?? '');
  const extension = QCOW2_NAMES.exec(last)?.[0];
  if (!extension) {
    throw new InfraError<TemplateBuilderErrorCode>(
      'IMAGE_NOT_QCOW2',
      `images.${os}.source.url must name a qcow2 cloud image (.qcow2, or Ubuntu's .img, which is qcow2), got "${last || source.url}"`,
      { hint: `use the distribution's qcow2 cloud image (e.g. Debian's *-genericcloud-amd64-*.qcow2)` },
    );
  }
  const stem = last.slice(0, -extension.length).replace(/[^a-zA-Z0-9\-.+=_]/g, '_');
  return `${stem}-${source.checksum.slice(0, 12)}.qcow2`;
}

export interface CloudImageFields extends CatalogFields {
  source: { url: string; algorithm: 'sha256' | 'sha512'; checksum: string };
}

/** The pure part of a cloud-image recipe (what the planner sees). */
export function cloudPlannedRecipe(c: CloudImageFields): PlannedRecipe {
  return catalogPlannedRecipe(c, {
    // The image is what its checksum says; its URL is only where it was fetched from (the embedded mirror's
    // port changes per run), so the URL is recorded in the description but is not part of the identity.
    fingerprintInputs: {
      version: c.version,
      source: { algorithm: c.source.algorithm, checksum: c.source.checksum },
    },
    what: `the ${c.os} ${c.version} cloud image`,
    identity: { version: c.version },
    // Cloud images configure users, keys and network from the cloud-init drive; DHCP until a clone says otherwise.
    vmExtras: (disks) => ({ ide2: `${disks}:cloudinit`, ipconfig0: 'ip=dhcp' }),
  });
}
