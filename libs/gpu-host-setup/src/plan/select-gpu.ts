import { InfraError } from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';
import type { IommuGroups } from '../parse/iommu-groups';
import { type PciDevice, pciId } from '../parse/lspci';
import { normalizeSlotSelector, slotOf } from '../parse/pci-address';
import type { PlanOptions } from './options';

export interface GpuSelection {
  /** `0000:01:00`: every function of it is passed through. */
  slot: string;
  /** All functions of the slot, by address. */
  functions: PciDevice[];
  /** The display function the selector matched (usually `.0`). */
  display: PciDevice;
  /** Groups of the slot's functions (empty while the IOMMU is off). */
  iommuGroups: number[];
}

const describe = (device: PciDevice) =>
  `${device.address} ${device.className} [${pciId(device)}] ${device.name}`;

/**
 * Finds the GPU by vendor and class (never by a fixed address or device ID): the display functions matching
 * the selector, grouped by slot. Exactly one slot must match; `selector.address` picks one of several.
 */
export function selectGpu(
  devices: readonly PciDevice[],
  groups: IommuGroups,
  selector: PlanOptions['selector'],
): GpuSelection {
  const vendor = selector.vendor.toLowerCase();
  const klass = selector.class.toLowerCase();
  const displays = devices.filter((d) => d.vendorId === vendor && d.classCode.startsWith(klass));
  if (displays.length === 0) {
    throw new InfraError<GpuHostErrorCode>(
      'GPU_NOT_FOUND',
      `lspci shows no PCI device of vendor ${vendor} with class ${klass}xx (display controller)`,
      {
        hint: 'check that the card is seated and powered (`lspci -nn | grep -i nvidia` on the host); the selector is gpu.selector in infra.config.yaml',
        details: { vendor, class: klass, devices: devices.length },
      },
    );
  }
  const wanted = selector.address === undefined ? undefined : normalizeSlotSelector(selector.address);
  const matching = displays.filter((d) => wanted === undefined || slotOf(d.address) === wanted);
  const slots = [...new Set(matching.map((d) => slotOf(d.address)))];
  if (slots.length === 0) {
    throw new InfraError<GpuHostErrorCode>(
      'GPU_SELECTOR_NO_MATCH',
      `no display controller of vendor ${vendor} at ${selector.address}; found ${displays.map(describe).join('; ')}`,
      {
        hint: 'set gpu.selector.address (or --select) to one of the slots listed',
      },
    );
  }
  if (slots.length > 1) {
    throw new InfraError<GpuHostErrorCode>(
      'GPU_AMBIGUOUS',
      `${slots.length} GPUs match vendor ${vendor} class ${klass}: ${matching.map(describe).join('; ')}`,
      {
        hint: `choose one with gpu.selector.address in infra.config.yaml (or --select), e.g. "${slots[0]}"`,
        details: { slots },
      },
    );
  }
  const slot = slots[0]!;
  const functions = devices.filter((d) => slotOf(d.address) === slot);
  const iommuGroups = [
    ...new Set(functions.flatMap((d) => (groups.has(d.address) ? [groups.get(d.address)!] : []))),
  ].sort((a, b) => a - b);
  return { slot, functions, display: matching[0]!, iommuGroups };
}

/** Bridges may share the GPU's group (Proxmox docs: "its root port or PCI(e) bridge"). */
const isBridge = (device: PciDevice | undefined) =>
  device !== undefined && /^06(00|04)$/.test(device.classCode);

/**
 * Fails closed unless every device in the GPU's IOMMU group(s) is one of the slot's functions or a bridge. With
 * the IOMMU off (no groups) there is nothing to check yet; the planner handles that case.
 */
export function checkIsolation(
  selection: GpuSelection,
  devices: readonly PciDevice[],
  groups: IommuGroups,
): void {
  if (groups.size === 0) return;
  const byAddress = new Map(devices.map((d) => [d.address, d]));
  const ungrouped = selection.functions.filter((d) => !groups.has(d.address));
  if (ungrouped.length > 0) {
    throw new InfraError<GpuHostErrorCode>(
      'IOMMU_GROUP_UNKNOWN',
      `the IOMMU is on but ${ungrouped.map((d) => d.address).join(', ')} is in no IOMMU group`,
      {
        hint: 'collect again (the facts may be from two different boots); passthrough needs every GPU function in a group',
      },
    );
  }
  const own = new Set(selection.functions.map((d) => d.address));
  const foreign = [...groups.entries()]
    .filter(
      ([address, group]) =>
        selection.iommuGroups.includes(group) && !own.has(address) && !isBridge(byAddress.get(address)),
    )
    .map(([address, group]) => {
      const device = byAddress.get(address);
      return `${device ? describe(device) : `${address} (not in lspci)`} in group ${group}`;
    });
  if (foreign.length > 0) {
    throw new InfraError<GpuHostErrorCode>(
      'IOMMU_GROUP_NOT_ISOLATED',
      `the GPU at ${selection.slot} shares its IOMMU group with devices that are not its functions or bridges: ${foreign.join('; ')}`,
      {
        hint: 'passing it through would hand those devices to the VM too ("group is not viable"); try another PCIe slot or a firmware ACS setting. pcie_acs_override is insecure and never applied automatically',
        details: { slot: selection.slot, groups: selection.iommuGroups, foreign },
      },
    );
  }
}
