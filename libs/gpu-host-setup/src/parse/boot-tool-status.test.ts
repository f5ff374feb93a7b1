import { describe, expect, it } from 'vitest';
import { fixture } from '../testing/fixtures';
import { parseBootToolStatus } from './boot-tool-status';

describe('parseBootToolStatus', () => {
  it('systemd-boot: tolerates the prompt and the re-executing line', () => {
    expect(parseBootToolStatus(fixture('proxmox-boot-tool-status-systemd-boot.txt'), 0)).toEqual({
      state: 'configured',
      bootedWith: 'uefi',
      esps: [{ uuid: 'E014-501F', modes: ['uefi'] }],
    });
  });

  it('GRUB managed by proxmox-boot-tool, UEFI and legacy', () => {
    expect(parseBootToolStatus(fixture('proxmox-boot-tool-status-grub-uefi.txt'), 0)).toEqual({
      state: 'configured',
      bootedWith: 'uefi',
      esps: [{ uuid: 'D34B-A25D', modes: ['grub'] }],
    });
    expect(parseBootToolStatus(fixture('proxmox-boot-tool-status-grub-legacy.txt'), 0)).toMatchObject({
      state: 'configured',
      bootedWith: 'legacy bios',
      esps: [{ uuid: '865E-6ADE', modes: ['grub'] }],
    });
  });

  it('plain GRUB: exit 2 with the missing-uuids message', () => {
    expect(parseBootToolStatus(fixture('proxmox-boot-tool-status-plain-grub.txt'), 2)).toEqual({
      state: 'not-configured',
      esps: [],
    });
  });

  it('both modes on one ESP line, and unknown answers', () => {
    const mixed =
      'System currently booted with uefi\nAAAA-BBBB is configured with: uefi (versions: 6.8.12-4-pve), grub (versions: 6.8.12-4-pve)\n';
    expect(parseBootToolStatus(mixed, 0).esps).toEqual([{ uuid: 'AAAA-BBBB', modes: ['grub', 'uefi'] }]);
    expect(parseBootToolStatus('', 127).state).toBe('not-installed');
    expect(parseBootToolStatus('something else\n', 1).state).toBe('unrecognised');
    expect(parseBootToolStatus('System currently booted with uefi\n', 0).state).toBe('unrecognised');
    // exit 2 for another reason is not "plain GRUB"
    expect(parseBootToolStatus('E: some other error\n', 2).state).toBe('unrecognised');
  });
});
