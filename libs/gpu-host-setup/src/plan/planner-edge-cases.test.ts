import { describe, expect, it } from 'vitest';
import { composeBundle, STOCK_GRUB, STOCK_MODULES } from '../testing/bundles';
import { fixture } from '../testing/fixtures';
import {
  applied,
  body,
  grubWith,
  msA2,
  PLAIN_GRUB,
  planError,
  STOCK_FILES,
  SYSTEMD_BOOT,
} from '../testing/plan-helpers';
import { planHost } from './planner';

describe('planHost: IOMMU groups', () => {
  it('multi-function slot: every function of the slot goes to vfio-pci; the root-port bridge may share the group', () => {
    const facts = composeBundle({
      cpu: 'intel',
      gpu: 'gtx1660-multifunction',
      kernelRelease: '6.14.11-4-pve',
      procCmdline: fixture('proc-cmdline-grub-lvm-intel.txt'),
      bootTool: PLAIN_GRUB,
      files: { ...STOCK_FILES, '/etc/default/grub': grubWith('quiet intel_iommu=on iommu=pt') },
    });
    const plan = planHost(facts);
    expect(plan.gpu.slot).toBe('0000:01:00');
    expect(plan.gpu.iommuGroups).toEqual([2]);
    expect(plan.gpu.functions.map((fn) => [fn.address, fn.id, fn.classCode])).toEqual([
      ['0000:01:00.0', '10de:2184', '0300'],
      ['0000:01:00.1', '10de:1aeb', '0403'],
      ['0000:01:00.2', '10de:1aec', '0c03'],
      ['0000:01:00.3', '10de:1aed', '0c80'],
    ]);
    expect(body(plan.changes.find((c) => c.path === '/etc/modprobe.d/infra-vfio.conf')?.after)).toEqual([
      'options vfio-pci ids=10de:2184,10de:1aeb,10de:1aec,10de:1aed',
      'softdep nouveau pre: vfio-pci',
      'softdep nvidia pre: vfio-pci',
      'softdep snd_hda_intel pre: vfio-pci',
    ]);
    expect(plan.kernelParams.required).toEqual([]);
  });

  it('shared group: fails closed and names the foreign device (the bridge is fine)', () => {
    const facts = composeBundle({
      cpu: 'intel',
      gpu: 'shared-group',
      kernelRelease: '6.14.11-5-pve',
      procCmdline: fixture('proc-cmdline-grub-lvm-intel.txt'),
      bootTool: PLAIN_GRUB,
      files: { ...STOCK_FILES, '/etc/default/grub': STOCK_GRUB },
    });
    const error = planError(facts);
    expect(error.code).toBe('IOMMU_GROUP_NOT_ISOLATED');
    expect(error.details).toEqual({
      slot: '0000:02:00',
      groups: [14],
      foreign: [
        '0000:03:00.0 Ethernet controller [8086:125c] Intel Corporation Ethernet Controller I226-V in group 14',
      ],
    });
  });

  it('IOMMU off on AMD: fails closed with the firmware hint (no kernel parameter would help)', () => {
    const error = planError(composeBundle({ ...msA2, iommu: 'off' }));
    expect(error.code).toBe('IOMMU_DISABLED');
    expect(error.hint).toBe(
      'enable the IOMMU (and SVM) in the firmware setup; AMD CPUs need no kernel parameter for it',
    );
  });

  it('warns when the kernel log shows no interrupt remapping', () => {
    const plan = planHost(composeBundle({ ...msA2, kernelLog: fixture('dmesg-acs-override-negative.txt') }));
    expect(plan.warnings).toContain(
      'the kernel log does not show interrupt remapping as enabled (AMD-Vi / DMAR-IR); passthrough may refuse to start without it',
    );
  });
});

describe('planHost: finding the GPU', () => {
  it('matches a 3D controller [0302] as well as VGA [0300]', () => {
    const plan = planHost(composeBundle({ ...msA2, gpu: 'a10-3d' }));
    expect(plan.gpu.functions.map((fn) => [fn.address, fn.id, fn.classCode])).toEqual([
      ['0000:65:00.0', '10de:2236', '0302'],
    ]);
    expect(body(plan.changes.find((c) => c.path === '/etc/modprobe.d/infra-vfio.conf')?.after)).toEqual([
      'options vfio-pci ids=10de:2236',
      'softdep nouveau pre: vfio-pci',
      'softdep nvidia pre: vfio-pci',
      'softdep nvidiafb pre: vfio-pci',
    ]);
  });

  it('no NVIDIA display controller: GPU_NOT_FOUND', () => {
    const facts = composeBundle(msA2);
    facts.lspci = facts.lspci.split('\n01:00.0')[0]!;
    expect(planError(facts).code).toBe('GPU_NOT_FOUND');
  });

  it('two GPUs need a selector; with one, the other card is left alone', () => {
    const facts = composeBundle(msA2);
    facts.lspci += fixture('lspci-nnk-rtx3080-nvidia-driver.txt');
    facts.iommuGroups +=
      '/sys/kernel/iommu_groups/13/devices/0000:3e:00.0\n/sys/kernel/iommu_groups/13/devices/0000:3e:00.1\n';
    const error = planError(facts);
    expect(error.code).toBe('GPU_AMBIGUOUS');
    expect(error.hint).toBe(
      'choose one with gpu.selector.address in infra.config.yaml (or --select), e.g. "0000:01:00"',
    );
    const plan = planHost(facts, { selector: { address: '3e:00' } });
    expect(plan.gpu.slot).toBe('0000:3e:00');
    expect(planError(facts, { selector: { address: '0000:05:00' } }).code).toBe('GPU_SELECTOR_NO_MATCH');
  });

  it('warns when the NVIDIA card is the boot VGA device', () => {
    const plan = planHost(composeBundle({ ...msA2, bootVga: '0000:c5:00.0 0\n0000:01:00.0 1\n' }));
    expect(plan.gpu.bootVga).toBe(true);
    expect(plan.warnings.some((w) => w.startsWith('0000:01:00.0 is the boot VGA device (boot_vga=1)'))).toBe(
      true,
    );
  });

  it('warns when another device shares a GPU function ID (binding by ID is global)', () => {
    const facts = composeBundle(msA2);
    facts.lspci +=
      '05:00.1 Audio device [0403]: NVIDIA Corporation AD104 High Definition Audio Controller [10de:22bc] (rev a1)\n';
    facts.iommuGroups += '/sys/kernel/iommu_groups/40/devices/0000:05:00.1\n';
    expect(planHost(facts).warnings).toContain(
      'vfio-pci binds by ID: 0000:05:00.1 has the same ID 10de:22bc and will be claimed by vfio-pci too',
    );
  });
});

describe('planHost: bootloader state', () => {
  it('mixed uefi and grub ESPs: BOOTLOADER_UNKNOWN', () => {
    const facts = composeBundle(msA2);
    facts.bootToolStatus = {
      output:
        'System currently booted with uefi\nAAAA-BBBB is configured with: uefi (versions: 6.14.11-4-pve)\nCCCC-DDDD is configured with: grub (versions: 6.14.11-4-pve)\n',
      exitCode: 0,
    };
    expect(planError(facts).code).toBe('BOOTLOADER_UNKNOWN');
  });

  it('proxmox-boot-tool says systemd-boot but the running kernel was booted by GRUB: BOOTLOADER_UNKNOWN', () => {
    const facts = composeBundle({ ...msA2, bootTool: SYSTEMD_BOOT });
    expect(planError(facts).message).toBe(
      'cannot tell which bootloader this host uses: proxmox-boot-tool points to systemd-boot but /proc/cmdline shows a kernel booted by grub',
    );
  });

  it('proxmox-boot-tool missing or failing: BOOTLOADER_UNKNOWN', () => {
    const facts = composeBundle(msA2);
    facts.bootToolStatus = { output: 'sh: 1: proxmox-boot-tool: not found\n', exitCode: 127 };
    expect(planError(facts).code).toBe('BOOTLOADER_UNKNOWN');
    facts.bootToolStatus = { output: 'E: something else\n', exitCode: 1 };
    expect(planError(facts).code).toBe('BOOTLOADER_UNKNOWN');
  });

  it('a grub.d drop-in that overrides GRUB_CMDLINE_LINUX_DEFAULT stops an edit', () => {
    const facts = composeBundle({
      ...msA2,
      files: {
        ...msA2.files,
        '/etc/default/grub': STOCK_GRUB,
        '/etc/default/grub.d/local.cfg': 'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\n',
      },
    });
    expect(planError(facts, { iommuPassthrough: true }).code).toBe('GRUB_CMDLINE_OVERRIDDEN');
    facts.files['/etc/default/grub.d/local.cfg'] =
      'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT splash"\n';
    expect(planHost(facts, { iommuPassthrough: true }).changes.map((c) => c.path)).toContain(
      '/etc/default/grub',
    );
  });
});

describe('planHost: modules by kernel version', () => {
  it('kernel < 6.2 also loads vfio_virqfd', () => {
    const plan = planHost(composeBundle({ ...msA2, kernelRelease: '5.15.158-2-pve' }));
    expect(body(plan.changes.find((c) => c.path === '/etc/modules-load.d/infra-vfio.conf')?.after)).toEqual([
      'vfio',
      'vfio_iommu_type1',
      'vfio_pci',
      'vfio_virqfd',
    ]);
  });

  it('kernel >= 6.2 never loads vfio_virqfd and warns about an old entry; modules listed elsewhere are not repeated', () => {
    const facts = composeBundle({
      ...msA2,
      files: { ...msA2.files, '/etc/modules': `${STOCK_MODULES}vfio\nvfio_virqfd\n` },
    });
    const plan = planHost(facts);
    expect(body(plan.changes.find((c) => c.path === '/etc/modules-load.d/infra-vfio.conf')?.after)).toEqual([
      'vfio_iommu_type1',
      'vfio_pci',
    ]);
    expect(plan.warnings).toContain(
      '/etc/modules loads vfio_virqfd, which is part of vfio since kernel 6.2 (systemd-modules-load fails on it); remove that line',
    );
  });

  it('removes an owned file that other files made redundant', () => {
    const facts = composeBundle(msA2);
    const first = planHost(facts);
    const done = applied(facts, first);
    done.files['/etc/modules'] = `${STOCK_MODULES}vfio\nvfio_iommu_type1\nvfio_pci\n`;
    const plan = planHost(done);
    expect(plan.changes.map((c) => [c.path, c.action, c.reason])).toEqual([
      ['/etc/modules-load.d/infra-vfio.conf', 'delete', 'not needed: other files already provide all of it'],
    ]);
    expect(plan.commands).toEqual([['update-initramfs', '-u', '-k', 'all']]);
  });
});
