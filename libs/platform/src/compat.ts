import { InfraError } from '@infra/core';
import type { PlatformErrorCode } from './errors';

/**
 * The Kubernetes versions each Talos minor supports, inclusive: `MinimumKubernetesVersion` and
 * `MaximumKubernetesVersion` of siderolabs/talos `pkg/machinery/compatibility/talos1XX/talos1XX.go` (read at
 * v1.13.9 for 1.11–1.13, and at the v1.14 line for 1.14). `x.y.99` there means "every patch of x.y".
 * Add a row when the project moves to a new Talos minor.
 */
export const TALOS_KUBERNETES_SUPPORT: Readonly<Record<string, { min: string; max: string }>> = {
  '1.11': { min: '1.29.0', max: '1.34' },
  '1.12': { min: '1.30.0', max: '1.35' },
  '1.13': { min: '1.31.0', max: '1.36' },
  '1.14': { min: '1.32.0', max: '1.37' },
};

type Version = [number, number, number];

function _parse(version: string, what: string): Version {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.]+)?$/.exec(version);
  if (!match) {
    throw new InfraError<PlatformErrorCode>(
      'VERSION_INVALID',
      `${what} "${version}" is not a version like 1.36.3`,
      {
        hint: 'use major.minor.patch',
      },
    );
  }
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

const _less = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** Why the pair is not supported, or undefined when Talos `talosVersion` supports Kubernetes `kubernetesVersion`. */
export function kubernetesCompatibility(talosVersion: string, kubernetesVersion: string): string | undefined {
  const talos = _parse(talosVersion, 'Talos version');
  const kubernetes = _parse(kubernetesVersion, 'Kubernetes version');
  const line = `${talos[0]}.${talos[1]}`;
  const range = TALOS_KUBERNETES_SUPPORT[line];
  if (!range) {
    return `Talos ${line} is not in the compatibility table (known: ${Object.keys(TALOS_KUBERNETES_SUPPORT).join(', ')}); add its row from siderolabs/talos pkg/machinery/compatibility`;
  }
  const min = _parse(range.min, 'minimum');
  const [maxMajor, maxMinor] = range.max.split('.').map(Number) as [number, number];
  const tooOld = _less(kubernetes, min) < 0;
  const tooNew = kubernetes[0] > maxMajor || (kubernetes[0] === maxMajor && kubernetes[1] > maxMinor);
  if (!tooOld && !tooNew) return undefined;
  return `Talos ${talosVersion} supports Kubernetes ${range.min} to ${range.max}.x, not ${kubernetesVersion}`;
}
