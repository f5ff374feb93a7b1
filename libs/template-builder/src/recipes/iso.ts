import { resolve } from 'node:path';
import type { Environment } from '@infra/config';
import { installMediaVolume } from '@infra/validators';
import { packerGolden } from '../golden/stage';
import type { PlannedRecipe } from '../plan';
import type { InstallMedium } from '../plan-media';
import type { MediaRecipe } from '../recipe';
import { type CatalogFields, catalogPlannedRecipe, placementOf, splitChecksum } from './common';

/**
 * An `install: iso` OS (NixOS, Windows): the base is its checksum-pinned install media — the ISO, and for
 * Windows the VirtIO drivers ISO — downloaded by Proxmox into the images storage's `iso` content under a
 * content-addressed name, verified against the pin. The golden stage (`packer/<os>/`, Packer `proxmox-iso`)
 * boots them in a new VM, installs, and converts that VM to the template. A local copy (`source.path`, the
 * Windows evaluation ISO that Microsoft hands out after a form) is uploaded under that same name.
 */
type ImageSpec = Environment['images'][string];

export function isoRecipe(environment: Environment, os: string): MediaRecipe {
  const image = environment.images[os] as ImageSpec;
  const medium = (
    media: InstallMedium['media'],
    pinned: { url: string; checksum: string; path?: string | undefined },
  ): InstallMedium => ({
    media,
    setting: `images.${os}.${media}`,
    url: pinned.url,
    ...splitChecksum(pinned.checksum),
    volid: installMediaVolume(environment, os, media),
    ...(pinned.path !== undefined ? { localPath: resolve(environment.repoRoot, pinned.path) } : {}),
  });
  const media: InstallMedium[] = [
    medium('source', image.source),
    ...(image.drivers ? [medium('drivers', image.drivers)] : []),
  ];
  return {
    ...isoPlannedRecipe({
      os,
      version: image.version,
      media,
      hardware: image.hardware,
      placement: placementOf(environment),
      bridge: environment.proxmox.bridge,
    }),
    base: 'media',
    media,
    sourceSetting: `images.${os}.source.url`,
    warnings: [],
    golden: packerGolden(environment, os),
  };
}

export interface IsoFields extends CatalogFields {
  media: readonly InstallMedium[];
}

/** The pure part of an ISO recipe: its identity is the version and each medium's checksum (not its URL). */
export function isoPlannedRecipe(c: IsoFields): PlannedRecipe {
  return catalogPlannedRecipe(c, {
    kind: 'media',
    fingerprintInputs: {
      version: c.version,
      install: 'iso',
      media: Object.fromEntries(
        c.media.map((m) => [m.media, { algorithm: m.algorithm, checksum: m.checksum }]),
      ),
    },
    what: `the ${c.os} ${c.version} install media`,
    identity: { version: c.version, install: 'iso' },
    // No VM in the base stage: Packer's proxmox-iso creates it.
    vmExtras: () => ({}),
  });
}
