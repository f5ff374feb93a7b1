import { createHash } from 'node:crypto';
import { compareTalosVersions, isAtLeast, parseTalosVersion, supports } from '@infra/talos-factory';

/**
 * The simulator's catalogue: Talos versions, official extensions and overlays per version. Names, refs and
 * version rules follow the real factory (siderolabs/image-factory internal/frontend/http and its docs/api.md;
 * extension names from siderolabs/extensions); digests are derived from the name and
 * version so they are stable across runs.
 */

/** Latest patch per minor line (1.11–1.13 as Talos released them; older ones plausible). */
const LINES: ReadonlyArray<readonly [minor: number, lastPatch: number]> = [
  [2, 8],
  [3, 7],
  [4, 8],
  [5, 5],
  [6, 8],
  [7, 7],
  [8, 4],
  [9, 6],
  [10, 7],
  [11, 6],
  [12, 11],
  [13, 9],
];
/** Pre-releases appear only for the newest minor. */
const NEXT_MINOR_PRERELEASES = ['v1.14.0-alpha.1', 'v1.14.0-alpha.2', 'v1.14.0-beta.1', 'v1.14.0-rc.1'];

export const SIM_VERSIONS: readonly string[] = [
  ...LINES.flatMap(([minor, last]) => Array.from({ length: last + 1 }, (_, patch) => `v1.${minor}.${patch}`)),
  ...NEXT_MINOR_PRERELEASES,
].sort(compareTalosVersions);

export function knownVersion(text: string): string | undefined {
  const normalised = text.startsWith('v') ? text : `v${text}`;
  return SIM_VERSIONS.includes(normalised) ? normalised : undefined;
}

export interface SimExtension {
  name: string;
  ref: string;
  digest: string;
  author: string;
  description: string;
}

const digestOf = (...parts: string[]) =>
  `sha256:${createHash('sha256').update(parts.join('\0')).digest('hex')}`;

const NVIDIA = { production: '595.91.07', lts: '580.178.04', toolkit: 'v1.19.1' };

/** [image name, version (may depend on Talos version), description, minimum Talos version] */
type Row = readonly [string, (talos: string) => string, string, string?];

const tiered = (talos: string) => supports(talos, 'nvidiaTiers');

function rows(talos: string): Row[] {
  const base: Row[] = [
    ['amd-ucode', () => '20250917', 'AMD CPU microcode'],
    ['intel-ucode', () => '20250812', 'Intel CPU microcode'],
    ['iscsi-tools', () => 'v0.2.0', 'iSCSI initiator tools'],
    ['util-linux-tools', () => '2.41.1', 'util-linux tools (fstrim, ...)'],
    ['qemu-guest-agent', () => '10.0.2', 'QEMU guest agent for Proxmox and other QEMU hypervisors'],
    ['drbd', (t) => `9.2.14-${t}`, 'DRBD kernel module'],
    ['zfs', (t) => `2.3.4-${t}`, 'ZFS kernel module and tools'],
    ['tailscale', () => '1.88.3', 'Tailscale VPN'],
    ['i915', (t) => `20250917-${t}`, 'Intel GPU firmware and driver', 'v1.9.0'],
    ['amdgpu', (t) => `20250917-${t}`, 'AMD GPU firmware and driver', 'v1.9.0'],
    ['gvisor', () => '20250915.0', 'gVisor container runtime'],
    ['nut-client', () => '2.8.4', 'Network UPS Tools client'],
    ['vmtoolsd-guest-agent', () => 'v1.4.0', 'VMware tools guest agent'],
    ['xen-guest-agent', () => '0.4.0-g5c274e6', 'Xen guest agent'],
  ];
  if (tiered(talos)) {
    for (const tier of ['production', 'lts'] as const) {
      const driver = NVIDIA[tier];
      base.push(
        [
          `nvidia-open-gpu-kernel-modules-${tier}`,
          (t) => `${driver}-${t}`,
          `NVIDIA open GPU kernel modules (${tier})`,
        ],
        [
          `nonfree-kmod-nvidia-${tier}`,
          (t) => `${driver}-${t}`,
          `NVIDIA proprietary GPU kernel modules (${tier})`,
        ],
        [
          `nvidia-container-toolkit-${tier}`,
          () => `${driver}-${NVIDIA.toolkit}`,
          `NVIDIA container toolkit (${tier})`,
        ],
        [`nvidia-fabricmanager-${tier}`, () => driver, `NVIDIA fabric manager (${tier})`],
      );
    }
    base.push(['nvidia-gdrdrv-device', (t) => `2.5-${t}`, 'GPUDirect RDMA device (extra)', 'v1.9.0']);
  } else {
    base.push(
      ['nvidia-open-gpu-kernel-modules', (t) => `535.129.03-${t}`, 'NVIDIA open GPU kernel modules'],
      ['nonfree-kmod-nvidia', (t) => `535.129.03-${t}`, 'NVIDIA proprietary GPU kernel modules'],
      ['nvidia-container-toolkit', () => '535.129.03-v1.14.5', 'NVIDIA container toolkit'],
      ['nvidia-fabricmanager', () => '535.129.03', 'NVIDIA fabric manager'],
    );
  }
  return base;
}

export function extensionsFor(version: string): SimExtension[] {
  const talos = parseTalosVersion(version).text;
  return rows(talos)
    .filter(([, , , min]) => min === undefined || isAtLeast(talos, min))
    .map(([image, tag, description]) => {
      const ref = `ghcr.io/siderolabs/${image}:${tag(talos)}`;
      return { name: `siderolabs/${image}`, ref, digest: digestOf(ref), author: 'Sidero Labs', description };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface SimOverlay {
  name: string;
  image: string;
  ref: string;
  digest: string;
}

const OVERLAYS: ReadonlyArray<readonly [string, string]> = [
  ['rpi_generic', 'sbc-raspberrypi'],
  ['rpi_5', 'sbc-raspberrypi'],
  ['rock5b', 'sbc-rockchip'],
  ['orangepi-5', 'sbc-rockchip'],
  ['turingrk1', 'sbc-rockchip'],
  ['jetson_nano', 'sbc-jetson'],
];

export function overlaysFor(version: string): SimOverlay[] {
  const talos = parseTalosVersion(version).text;
  if (!supports(talos, 'overlays')) return [];
  return OVERLAYS.map(([name, image]) => {
    const ref = `ghcr.io/siderolabs/${image}:v0.1.${parseTalosVersion(talos).minor}`;
    return { name, image: `siderolabs/${image}`, ref, digest: digestOf(ref) };
  });
}
