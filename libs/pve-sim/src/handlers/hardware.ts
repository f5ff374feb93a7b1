import { ok, type Route } from '../core';
import { bool, str } from '../http/params';
import type { PciDevice } from '../state/schema';

/** A device by path; `0000:01:00` (no function) means function 0 of a multifunction device. */
export function findPciDevice(devices: readonly PciDevice[], path: string): PciDevice | undefined {
  const full = /\.[0-9a-f]$/i.test(path) ? path : `${path}.0`;
  return devices.find((d) => d.id.toLowerCase() === full.toLowerCase());
}

const strip0x = (value: string | undefined) => value?.replace(/^0x/i, '');

/** The `id` / `subsystem-id` a mapping entry must carry for a device (no `0x`). */
export function mappingIdsOf(device: PciDevice): { id: string; 'subsystem-id'?: string; iommugroup: number } {
  const sub =
    device.subsystem_vendor && device.subsystem_device
      ? `${strip0x(device.subsystem_vendor)}:${strip0x(device.subsystem_device)}`
      : undefined;
  return {
    id: `${strip0x(device.vendor)}:${strip0x(device.device)}`,
    ...(sub ? { 'subsystem-id': sub } : {}),
    iommugroup: device.iommugroup,
  };
}

/**
 * `GET /nodes/{node}/hardware/pci` (SysFSTools::lspci): raw sysfs ids with `0x`, classes matching the
 * `pci-class-blacklist` prefixes (default `05;06;0b`: memory, bridges, processors) left out, sorted by id;
 * `verbose=0` drops the names.
 */
export const hardwareRoutes: Route[] = [
  {
    method: 'GET',
    template: '/nodes/{node}/hardware/pci',
    handler(ctx) {
      const node = ctx.state.nodes[str(ctx.params, 'node')!]!;
      const blacklist = (str(ctx.params, 'pci-class-blacklist') ?? '05;06;0b')
        .split(/[;,\s]+/)
        .filter(Boolean)
        .map((c) => c.toLowerCase());
      const verbose = bool(ctx.params, 'verbose') ?? true;
      const items = node.pci
        .filter((d) => !blacklist.some((prefix) => strip0x(d.class)!.toLowerCase().startsWith(prefix)))
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((d) => {
          const { mdev, vendor_name, device_name, subsystem_vendor_name, subsystem_device_name, ...base } = d;
          const names = verbose
            ? { vendor_name, device_name, subsystem_vendor_name, subsystem_device_name }
            : {};
          return JSON.parse(JSON.stringify({ ...base, ...names, ...(mdev ? { mdev: 1 } : {}) })) as Record<
            string,
            unknown
          >;
        });
      return ok(items);
    },
  },
];
