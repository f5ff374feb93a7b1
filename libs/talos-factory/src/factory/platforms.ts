import { InfraError } from '@infra/core';
import type { TalosFactoryErrorCode } from '../error-codes';

/**
 * Talos platforms as the factory knows them (talos `pkg/machinery/platforms` at v1.13.9): the default disk-image
 * suffix (what Terraform's `talos_image_factory_urls` uses for `disk_image`), boot methods and Secure Boot.
 * Boot methods of the cloud platforms other than metal/nocloud are not in the reference and are kept to
 * `disk-image` (conservative: no URL is better than a wrong one).
 */
export type BootMethod = 'disk-image' | 'iso' | 'pxe';

export interface PlatformInfo {
  name: string;
  diskImageSuffix: string;
  bootMethods: readonly BootMethod[];
  secureBootSupported: boolean;
}

const ALL: readonly BootMethod[] = ['disk-image', 'iso', 'pxe'];
const DISK: readonly BootMethod[] = ['disk-image'];

const TABLE: readonly PlatformInfo[] = [
  { name: 'metal', diskImageSuffix: 'raw.zst', bootMethods: ALL, secureBootSupported: true },
  { name: 'nocloud', diskImageSuffix: 'raw.xz', bootMethods: ALL, secureBootSupported: true },
  { name: 'opennebula', diskImageSuffix: 'raw.zst', bootMethods: DISK, secureBootSupported: false },
  { name: 'scaleway', diskImageSuffix: 'raw.zst', bootMethods: DISK, secureBootSupported: false },
  { name: 'aws', diskImageSuffix: 'raw.xz', bootMethods: DISK, secureBootSupported: false },
  { name: 'openstack', diskImageSuffix: 'raw.xz', bootMethods: DISK, secureBootSupported: false },
  { name: 'hcloud', diskImageSuffix: 'raw.xz', bootMethods: DISK, secureBootSupported: false },
  { name: 'upcloud', diskImageSuffix: 'raw.xz', bootMethods: DISK, secureBootSupported: false },
  { name: 'gcp', diskImageSuffix: 'raw.tar.gz', bootMethods: DISK, secureBootSupported: false },
  { name: 'azure', diskImageSuffix: 'vhd.xz', bootMethods: DISK, secureBootSupported: false },
  { name: 'digital-ocean', diskImageSuffix: 'raw.gz', bootMethods: DISK, secureBootSupported: false },
  { name: 'akamai', diskImageSuffix: 'raw.gz', bootMethods: DISK, secureBootSupported: false },
  { name: 'cloudstack', diskImageSuffix: 'raw.gz', bootMethods: DISK, secureBootSupported: true },
  { name: 'vmware', diskImageSuffix: 'ova', bootMethods: DISK, secureBootSupported: false },
  { name: 'oracle', diskImageSuffix: 'qcow2', bootMethods: DISK, secureBootSupported: false },
  { name: 'exoscale', diskImageSuffix: 'qcow2', bootMethods: DISK, secureBootSupported: false },
];

export const PLATFORM_NAMES: readonly string[] = TABLE.map((p) => p.name);

export function platformInfo(name: string): PlatformInfo {
  const info = TABLE.find((p) => p.name === name);
  if (!info) {
    throw new InfraError<TalosFactoryErrorCode>(
      'TALOS_PLATFORM_UNKNOWN',
      `unknown Talos platform "${name}"`,
      {
        hint: `use one of: ${PLATFORM_NAMES.join(', ')} (talos.platform in infra.config.yaml)`,
      },
    );
  }
  return info;
}

export const DISK_FORMATS = ['raw', 'qcow2', 'vhd', 'ova'] as const;
export const COMPRESSIONS = ['xz', 'gz', 'zst', 'tar.gz'] as const;
export const ARCHES = ['amd64', 'arm64'] as const;
export type TalosArch = (typeof ARCHES)[number];
