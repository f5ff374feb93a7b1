import { normalizePciAddress } from './pci-address';

/** CPU vendor from `/proc/cpuinfo` (`vendor_id : AuthenticAMD`). */
export interface CpuInfo {
  vendor: 'amd' | 'intel' | 'other';
  vendorId: string;
  model: string;
}

export function parseCpuInfo(text: string): CpuInfo {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*?)\\s*$`, 'm').exec(text)?.[1] ?? '';
  const vendorId = field('vendor_id');
  const vendor = vendorId === 'AuthenticAMD' ? 'amd' : vendorId === 'GenuineIntel' ? 'intel' : 'other';
  return { vendor, vendorId, model: field('model name') };
}

/** `6.14.11-4-pve` → [6, 14, 11]; undefined when the release does not start with a version. */
export function parseKernelVersion(release: string): [number, number, number] | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

/** True when `version` is older than major.minor. */
export function kernelOlderThan(
  version: readonly [number, number, number],
  major: number,
  minor: number,
): boolean {
  return version[0] < major || (version[0] === major && version[1] < minor);
}

/** `0000:01:00.0 1` lines → address → boot_vga flag. */
export function parseBootVga(text: string): Map<string, boolean> {
  const flags = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    const match = /^\s*((?:[0-9a-f]{4,}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\s+([01])\s*$/i.exec(line);
    if (match) flags.set(normalizePciAddress(match[1]!)!, match[2] === '1');
  }
  return flags;
}

/** Kernel log lines worth keeping: the IOMMU, DMAR/AMD-Vi, interrupt remapping, ACS, vfio. */
export const KERNEL_LOG_FILTER = /AMD-Vi|DMAR|IOMMU|iommu|[Ii]nterrupt remapping|IRQ remapping|ACS|vfio/;

export function filterKernelLog(text: string): string {
  const lines = text.split('\n').filter((line) => KERNEL_LOG_FILTER.test(line));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** What the kernel log says about interrupt remapping (AMD-Vi / Intel DMAR-IR). */
export function interruptRemapping(log: string): 'enabled' | 'unknown' {
  return /AMD-Vi: Interrupt remapping enabled|DMAR-IR: Enabled IRQ remapping/.test(log)
    ? 'enabled'
    : 'unknown';
}
