import { InfraError } from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';
import type { IommuGroups } from '../parse/iommu-groups';
import { type PciDevice, pciId } from '../parse/lspci';
import { comparePciAddresses, normalizePciAddress } from '../parse/pci-address';
import type { GpuSelection } from '../plan/select-gpu';

/** One item of `GET /nodes/{node}/hardware/pci` (raw sysfs values with `0x`). */
export interface HostPciItem {
  id: string;
  class: string;
  vendor: string;
  device: string;
  iommugroup: number;
  subsystem_vendor?: string | undefined;
  subsystem_device?: string | undefined;
  vendor_name?: string | undefined;
  device_name?: string | undefined;
}

/** One `map` entry of a PCI resource mapping: `node=…,path=…,id=…,iommugroup=…,subsystem-id=…`. */
export interface MapEntry {
  node: string;
  /** `0000:01:00` (no function: every function of the slot). */
  path: string;
  /** `vvvv:dddd` of the first function. */
  id: string;
  iommugroup: number;
  'subsystem-id'?: string;
}

const strip0x = (value: string) => value.replace(/^0x/i, '').toLowerCase();

/** The node's PCI inventory as the planner's device list and IOMMU groups (group -1 = no IOMMU). */
export function devicesFromApi(items: readonly HostPciItem[]): { devices: PciDevice[]; groups: IommuGroups } {
  const devices: PciDevice[] = [];
  const groups: IommuGroups = new Map();
  for (const item of items) {
    const address = normalizePciAddress(item.id);
    if (!address) continue;
    const subsystem =
      item.subsystem_vendor && item.subsystem_device
        ? `${strip0x(item.subsystem_vendor)}:${strip0x(item.subsystem_device)}`
        : undefined;
    devices.push({
      address,
      classCode: strip0x(item.class).slice(0, 4),
      className: '',
      vendorId: strip0x(item.vendor),
      deviceId: strip0x(item.device),
      name: [item.vendor_name, item.device_name].filter(Boolean).join(' '),
      ...(subsystem ? { subsystemId: subsystem } : {}),
      modules: [],
    });
    if (item.iommugroup >= 0) groups.set(address, item.iommugroup);
  }
  devices.sort((a, b) => comparePciAddresses(a.address, b.address));
  return { devices, groups };
}

/**
 * The entry for the GPU: the slot path without a function maps every function; `id`, `iommugroup` and
 * `subsystem-id` are those of the first function (Proxmox: "use the attributes of the first device"). Proxmox
 * compares all three with the live device at VM start, so all three are given whenever the device has them.
 */
export function desiredMapEntry(selection: GpuSelection, groups: IommuGroups, node: string): MapEntry {
  const first = selection.functions[0]!;
  const group = groups.get(first.address);
  if (group === undefined) {
    throw new InfraError<GpuHostErrorCode>(
      'IOMMU_DISABLED',
      `${first.address} is in no IOMMU group on node ${node}`,
      {
        hint: 'set the host up first (`gpu-host.ts apply`, then reboot); a mapping needs an active IOMMU',
      },
    );
  }
  return {
    node,
    path: selection.slot,
    id: pciId(first),
    iommugroup: group,
    ...(first.subsystemId ? { 'subsystem-id': first.subsystemId } : {}),
  };
}

export function formatMapEntry(entry: MapEntry): string {
  const parts = [
    `node=${entry.node}`,
    `path=${entry.path}`,
    `id=${entry.id}`,
    `iommugroup=${entry.iommugroup}`,
  ];
  if (entry['subsystem-id']) parts.push(`subsystem-id=${entry['subsystem-id']}`);
  return parts.join(',');
}

export function parseMapEntry(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Same properties (order and hex case do not matter). */
export function sameMapEntry(text: string, entry: MapEntry): boolean {
  const have = parseMapEntry(text);
  const want = parseMapEntry(formatMapEntry(entry));
  const keys = new Set([...Object.keys(have), ...Object.keys(want)]);
  return [...keys].every((key) => (have[key] ?? '').toLowerCase() === (want[key] ?? '').toLowerCase());
}

export type MappingDecision =
  | { action: 'create'; map: string[] }
  | { action: 'update'; map: string[] }
  | { action: 'none'; map: string[] };

/** Create, update (this node's entry replaced, other nodes' kept) or leave alone. */
export function decideMapping(
  existing: { map?: readonly string[] } | undefined,
  desired: MapEntry,
): MappingDecision {
  const entry = formatMapEntry(desired);
  if (!existing) return { action: 'create', map: [entry] };
  const current = existing.map ?? [];
  const ours = current.filter((text) => parseMapEntry(text).node === desired.node);
  if (ours.length === 1 && sameMapEntry(ours[0]!, desired)) return { action: 'none', map: [...current] };
  return {
    action: 'update',
    map: [...current.filter((text) => parseMapEntry(text).node !== desired.node), entry],
  };
}
