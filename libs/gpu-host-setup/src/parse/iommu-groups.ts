import { normalizePciAddress } from './pci-address';

/** PCI function address → IOMMU group number. Empty when the IOMMU is off (sysfs has no groups). */
export type IommuGroups = Map<string, number>;

const SYSFS_LINE = /(?:^|\/)iommu_groups\/(\d+)\/devices\/([0-9a-f:.]+)\s*$/i;
const GROUP_HEADER = /^\s*IOMMU Group (\d+)\s*:?\s*$/i;
const GROUP_MEMBER = /^\s+((?:[0-9a-f]{4,}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\s/i;

/**
 * Parses either form people capture:
 * - the sysfs listing `find /sys/kernel/iommu_groups/ -type l` (`/sys/kernel/iommu_groups/14/devices/0000:02:00.0`),
 *   which is what `collect` writes, or paths relative to the groups dir (`14/devices/0000:02:00.0`);
 * - the usual loop-script output: `IOMMU Group 11:` followed by TAB-indented `lspci -nns` lines.
 * Anything else (comments, prompts) is ignored.
 */
export function parseIommuGroups(text: string): IommuGroups {
  const groups: IommuGroups = new Map();
  let currentGroup: number | undefined;
  for (const line of text.split('\n')) {
    const sysfs = SYSFS_LINE.exec(line);
    if (sysfs) {
      const address = normalizePciAddress(sysfs[2]!);
      if (address) groups.set(address, Number(sysfs[1]));
      continue;
    }
    const header = GROUP_HEADER.exec(line);
    if (header) {
      currentGroup = Number(header[1]);
      continue;
    }
    const member = GROUP_MEMBER.exec(line);
    if (member && currentGroup !== undefined) {
      groups.set(normalizePciAddress(member[1]!)!, currentGroup);
      continue;
    }
    if (line.trim() !== '' && !/^\s/.test(line)) currentGroup = undefined;
  }
  return groups;
}

/** The canonical listing `collect` writes: one sysfs path per device, sorted by group then address. */
export function formatIommuGroups(groups: IommuGroups): string {
  const lines = [...groups.entries()]
    .sort(([addrA, groupA], [addrB, groupB]) => groupA - groupB || addrA.localeCompare(addrB))
    .map(([address, group]) => `/sys/kernel/iommu_groups/${group}/devices/${address}`);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export function membersOfGroup(groups: IommuGroups, group: number): string[] {
  return [...groups.entries()].filter(([, g]) => g === group).map(([address]) => address);
}
