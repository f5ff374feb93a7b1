import { InfraError } from '@infra/core';
import type { TalosFactoryErrorCode } from './error-codes';

/** A Talos release version (`v1.13.9`, `v1.14.0-rc.1`); the `v` is optional on input and always present on output. */
export interface TalosVersion {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers, e.g. ['rc', '1']; empty for a release. */
  prerelease: string[];
  /** Canonical text with the `v` prefix. */
  text: string;
}

const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function tryParseTalosVersion(text: string): TalosVersion | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  const [, major = '0', minor = '0', patch = '0', pre] = m;
  const prerelease = pre ? pre.split('.') : [];
  return {
    major: Number(major),
    minor: Number(minor),
    patch: Number(patch),
    prerelease,
    text: `v${major}.${minor}.${patch}${pre ? `-${pre}` : ''}`,
  };
}

export function parseTalosVersion(text: string): TalosVersion {
  const version = tryParseTalosVersion(text);
  if (!version) {
    throw new InfraError<TalosFactoryErrorCode>('TALOS_VERSION_INVALID', `"${text}" is not a Talos version`, {
      hint: 'use a release tag such as v1.13.9 (talos.version in infra.config.yaml)',
    });
  }
  return version;
}

function comparePrerelease(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length; // a release sorts after its pre-releases
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (xn !== yn) return xn ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Semver order. */
export function compareTalosVersions(a: TalosVersion | string, b: TalosVersion | string): number {
  const x = typeof a === 'string' ? parseTalosVersion(a) : a;
  const y = typeof b === 'string' ? parseTalosVersion(b) : b;
  return (
    x.major - y.major ||
    x.minor - y.minor ||
    x.patch - y.patch ||
    comparePrerelease(x.prerelease, y.prerelease)
  );
}

export function isAtLeast(version: TalosVersion | string, minimum: string): boolean {
  return compareTalosVersions(version, minimum) >= 0;
}

/** Version gates of the Image Factory / imager (talos `pkg/machinery/imager/quirks`). */
export const TALOS_QUIRKS = {
  overlays: 'v1.7.0',
  zstdCompression: 'v1.8.0',
  /** Extension names split into -production / -lts. */
  nvidiaTiers: 'v1.8.0',
  unifiedInstaller: 'v1.10.0',
  talosctlDownloads: 'v1.11.0-alpha.3',
  embeddedMachineConfig: 'v1.12.0',
  bootloaderSelection: 'v1.12.0-alpha.2',
  /** Multi-document KernelModuleConfig / SysctlConfig. */
  kernelModuleConfigDocuments: 'v1.14.0-alpha.0',
} as const;

export type TalosQuirk = keyof typeof TALOS_QUIRKS;

export function supports(version: TalosVersion | string, quirk: TalosQuirk): boolean {
  return isAtLeast(version, TALOS_QUIRKS[quirk]);
}
