import { describe, expect, it } from 'vitest';
import { selectGpu } from '../plan/select-gpu';
import {
  decideMapping,
  desiredMapEntry,
  devicesFromApi,
  formatMapEntry,
  type HostPciItem,
  sameMapEntry,
} from './map-entry';

const ADA: HostPciItem[] = [
  { id: '0000:00:01.1', class: '0x060400', vendor: '0x1022', device: '0x14db', iommugroup: 1 },
  {
    id: '0000:01:00.0',
    class: '0x030000',
    vendor: '0x10de',
    device: '0x27b0',
    iommugroup: 14,
    subsystem_vendor: '0x10de',
    subsystem_device: '0x16fa',
  },
  {
    id: '0000:01:00.1',
    class: '0x040300',
    vendor: '0x10de',
    device: '0x22bc',
    iommugroup: 14,
    subsystem_vendor: '0x10de',
    subsystem_device: '0x16fa',
  },
];

describe('PCI mapping entries', () => {
  const { devices, groups } = devicesFromApi(ADA);
  const selection = selectGpu(devices, groups, { vendor: '10de', class: '03' });
  const desired = desiredMapEntry(selection, groups, 'pve');

  it("reads the API inventory (0x values) and maps the whole slot with the first function's IDs", () => {
    expect(
      devices.map((d) => [d.address, d.classCode, `${d.vendorId}:${d.deviceId}`, d.subsystemId]),
    ).toEqual([
      ['0000:00:01.1', '0604', '1022:14db', undefined],
      ['0000:01:00.0', '0300', '10de:27b0', '10de:16fa'],
      ['0000:01:00.1', '0403', '10de:22bc', '10de:16fa'],
    ]);
    expect(formatMapEntry(desired)).toBe(
      'node=pve,path=0000:01:00,id=10de:27b0,iommugroup=14,subsystem-id=10de:16fa',
    );
  });

  it('compares entries by properties, not by text order or hex case', () => {
    expect(
      sameMapEntry('id=10DE:27B0,iommugroup=14,node=pve,path=0000:01:00,subsystem-id=10de:16fa', desired),
    ).toBe(true);
    expect(
      sameMapEntry('id=10de:27b0,iommugroup=15,node=pve,path=0000:01:00,subsystem-id=10de:16fa', desired),
    ).toBe(false);
    expect(sameMapEntry('id=10de:27b0,iommugroup=14,node=pve,path=0000:01:00', desired)).toBe(false);
  });

  it("creates, leaves alone, or updates only this node's entry", () => {
    const entry = formatMapEntry(desired);
    expect(decideMapping(undefined, desired)).toEqual({ action: 'create', map: [entry] });
    expect(
      decideMapping(
        { map: ['path=0000:01:00,node=pve,subsystem-id=10de:16fa,iommugroup=14,id=10de:27b0'] },
        desired,
      ).action,
    ).toBe('none');
    const other = 'node=pve2,path=0000:02:00,id=10de:27b0,iommugroup=3';
    expect(
      decideMapping({ map: [other, 'node=pve,path=0000:01:00,id=10de:27b2,iommugroup=14'] }, desired),
    ).toEqual({
      action: 'update',
      map: [other, entry],
    });
  });

  it('refuses a node without IOMMU groups', () => {
    const off = devicesFromApi(ADA.map((item) => ({ ...item, iommugroup: -1 })));
    expect(off.groups.size).toBe(0);
    const offSelection = selectGpu(off.devices, off.groups, { vendor: '10de', class: '03' });
    expect(() => desiredMapEntry(offSelection, off.groups, 'pve')).toThrow(/in no IOMMU group/);
  });
});
