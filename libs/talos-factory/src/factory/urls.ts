import { InfraError } from '@infra/core';
import type { TalosFactoryErrorCode } from '../error-codes';
import { parseTalosVersion, supports, type TalosVersion } from '../version';
import { platformInfo, type TalosArch } from './platforms';

/**
 * Image and installer URLs, named like the Terraform provider's `data.talos_image_factory_urls.urls` so the
 * two can be compared field by field. A URL that does not apply (boot method or Secure Boot not supported by
 * the platform) is an empty string, as in the provider.
 */
export interface ImageFactoryUrls {
  installer: string;
  installer_secureboot: string;
  iso: string;
  iso_secureboot: string;
  disk_image: string;
  disk_image_secureboot: string;
  pxe: string;
  kernel: string;
  kernel_command_line: string;
  initramfs: string;
  uki: string;
}

export interface ImageFactoryUrlsInput {
  /** e.g. https://factory.talos.dev or the embedded simulator's http://127.0.0.1:PORT */
  factoryUrl: string;
  schematicId: string;
  talosVersion: string;
  /** A Talos platform (metal, nocloud, aws, ...). Leave empty together with `sbc` for single-board computers. */
  platform?: string;
  /** Single-board computer overlay name (rpi_generic, rock5b, ...): images are metal-arm64 with the overlay. */
  sbc?: string;
  arch?: TalosArch;
  /** Override the platform's default disk image suffix, e.g. `qcow2` or `raw` (uncompressed, for Proxmox). */
  diskImageFormat?: string;
}

const SCHEMATIC_ID = /^[0-9a-f]{64}$/;

function factoryBase(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new InfraError<TalosFactoryErrorCode>(
      'FACTORY_URL_INVALID',
      `image factory URL "${url}" is not a URL`,
      {
        hint: 'talos.factory must be https://factory.talos.dev, another factory URL, or "embedded"',
        cause: error,
      },
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InfraError<TalosFactoryErrorCode>(
      'FACTORY_URL_INVALID',
      `image factory URL "${url}" must be http(s)`,
    );
  }
  return parsed;
}

/** Base URL without a trailing slash. */
export function factoryOrigin(url: string): string {
  const base = factoryBase(url);
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
}

/** `<base>/image/<id>/<version>/<file>` */
export function imageUrl(
  factoryUrl: string,
  schematicId: string,
  talosVersion: string,
  file: string,
): string {
  return `${factoryOrigin(factoryUrl)}/image/${schematicId}/${parseTalosVersion(talosVersion).text}/${file}`;
}

/** The registry reference of the installer image (no scheme), e.g. factory.talos.dev/nocloud-installer/<id>:v1.13.9 */
export function installerImage(
  factoryUrl: string,
  schematicId: string,
  talosVersion: string,
  platform: string,
  secureBoot = false,
): string {
  const version = parseTalosVersion(talosVersion);
  const host = factoryBase(factoryUrl).host;
  const name = supports(version, 'unifiedInstaller') ? `${platform}-installer` : 'installer';
  return `${host}/${name}${secureBoot ? '-secureboot' : ''}/${schematicId}:${version.text}`;
}

/** Is the host a name under which `pxe.<host>` exists (not an IP address or localhost)? */
function hasPxeSubdomain(host: string): boolean {
  return (
    !/^(\d+\.){3}\d+$/.test(host) &&
    !host.startsWith('[') &&
    host !== 'localhost' &&
    host.includes('.') &&
    !host.endsWith('.invalid')
  );
}

function pxeBase(factoryUrl: string): string {
  const base = factoryBase(factoryUrl);
  return hasPxeSubdomain(base.hostname) ? `https://pxe.${base.host}` : factoryOrigin(factoryUrl);
}

/** Default disk image suffix for the platform and version (zstd only from Talos 1.8; xz before). */
export function diskImageSuffix(platform: string, version: TalosVersion | string): string {
  const suffix = platformInfo(platform).diskImageSuffix;
  return suffix.endsWith('.zst') && !supports(version, 'zstdCompression')
    ? suffix.replace(/\.zst$/, '.xz')
    : suffix;
}

export function imageFactoryUrls(input: ImageFactoryUrlsInput): ImageFactoryUrls {
  const version = parseTalosVersion(input.talosVersion);
  const id = input.schematicId;
  if (!SCHEMATIC_ID.test(id)) {
    throw new InfraError<TalosFactoryErrorCode>(
      'SCHEMATIC_ID_INVALID',
      `"${id}" is not a schematic ID (64 lowercase hex digits)`,
      {
        hint: 'compute it with `./infra talos schematic-id talos/schematic.yaml`',
      },
    );
  }
  const arch = input.arch ?? 'amd64';
  const image = (file: string) => imageUrl(input.factoryUrl, id, version.text, file);
  const empty: ImageFactoryUrls = {
    installer: '',
    installer_secureboot: '',
    iso: '',
    iso_secureboot: '',
    disk_image: '',
    disk_image_secureboot: '',
    pxe: '',
    kernel: '',
    kernel_command_line: '',
    initramfs: '',
    uki: '',
  };

  if (!input.platform) {
    if (!input.sbc) {
      throw new InfraError<TalosFactoryErrorCode>(
        'TALOS_PLATFORM_MISSING',
        'either a platform or an SBC name is needed to build image URLs',
      );
    }
    if (!supports(version, 'overlays')) {
      throw new InfraError<TalosFactoryErrorCode>(
        'TALOS_VERSION_UNSUPPORTED',
        `SBC overlays need Talos v1.7.0 or later, not ${version.text}`,
      );
    }
    return {
      ...empty,
      installer: installerImage(input.factoryUrl, id, version.text, 'metal'),
      disk_image: image(`metal-arm64.${input.diskImageFormat ?? 'raw.xz'}`),
    };
  }

  const platform = platformInfo(input.platform);
  const prefix = `${platform.name}-${arch}`;
  const sb = platform.secureBootSupported;
  const has = (m: string) => platform.bootMethods.some((b) => b === m);
  const suffix = input.diskImageFormat ?? diskImageSuffix(platform.name, version);
  return {
    installer: installerImage(input.factoryUrl, id, version.text, platform.name),
    installer_secureboot: sb ? installerImage(input.factoryUrl, id, version.text, platform.name, true) : '',
    iso: has('iso') ? image(`${prefix}.iso`) : '',
    iso_secureboot: has('iso') && sb ? image(`${prefix}-secureboot.iso`) : '',
    disk_image: has('disk-image') ? image(`${prefix}.${suffix}`) : '',
    disk_image_secureboot: has('disk-image') && sb ? image(`${prefix}-secureboot.${suffix}`) : '',
    pxe: has('pxe') ? `${pxeBase(input.factoryUrl)}/pxe/${id}/${version.text}/${prefix}` : '',
    kernel: has('pxe') ? image(`kernel-${arch}`) : '',
    kernel_command_line: has('pxe') ? image(`cmdline-${prefix}`) : '',
    initramfs: has('pxe') ? image(`initramfs-${arch}.xz`) : '',
    uki: sb ? image(`${prefix}-secureboot-uki.efi`) : '',
  };
}
