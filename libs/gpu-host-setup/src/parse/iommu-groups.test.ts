import { describe, expect, it } from 'vitest';
import { fixture } from '../testing/fixtures';
import { formatIommuGroups, membersOfGroup, parseIommuGroups } from './iommu-groups';

describe('parseIommuGroups', () => {
  it('reads the raw sysfs listing', () => {
    const groups = parseIommuGroups(fixture('sysfs-iommu-groups.txt'));
    expect([...groups]).toEqual([
      ['0000:00:1c.0', 14],
      ['0000:02:00.0', 14],
      ['0000:03:00.0', 14],
    ]);
  });

  it('reads the loop-script form, adding the 0000 domain', () => {
    const groups = parseIommuGroups(fixture('iommu-group-gtx1660-multifunction.txt'));
    expect(membersOfGroup(groups, 2)).toEqual([
      '0000:00:01.0',
      '0000:01:00.0',
      '0000:01:00.1',
      '0000:01:00.2',
      '0000:01:00.3',
    ]);
  });

  it('round-trips through the canonical listing', () => {
    const groups = parseIommuGroups(fixture('iommu-group-isolated-ada.txt'));
    const text = formatIommuGroups(groups);
    expect(text).toBe(
      '/sys/kernel/iommu_groups/11/devices/0000:01:00.0\n/sys/kernel/iommu_groups/11/devices/0000:01:00.1\n',
    );
    expect(parseIommuGroups(text)).toEqual(groups);
  });

  it('is empty for an empty listing (IOMMU off)', () => {
    expect(parseIommuGroups('').size).toBe(0);
    expect(formatIommuGroups(new Map())).toBe('');
  });
});
