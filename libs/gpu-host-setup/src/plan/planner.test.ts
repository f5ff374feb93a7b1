import { describe, expect, it } from 'vitest';
import { type BundleSpec, composeBundle, STOCK_GRUB, STOCK_MODULES } from '../testing/bundles';
import { fixture } from '../testing/fixtures';
import {
  applied,
  FRESH_AMD_PROC_CMDLINE,
  grubWith,
  HEADER,
  msA2,
  planError,
  STOCK_FILES,
  SYSTEMD_BOOT,
  summary,
} from '../testing/plan-helpers';
import { planHost } from './planner';

const SFF_FUNCTIONS = [
  {
    address: '0000:01:00.0',
    id: '10de:27b0',
    classCode: '0300',
    name: 'NVIDIA Corporation AD104GL [RTX 4000 SFF Ada Generation]',
    driver: 'nouveau',
    subsystemId: '10de:16fa',
  },
  {
    address: '0000:01:00.1',
    id: '10de:22bc',
    classCode: '0403',
    name: 'NVIDIA Corporation AD104 High Definition Audio Controller',
    driver: 'snd_hda_intel',
    subsystemId: '10de:16fa',
  },
];
const AMD_ON_WARNING =
  'amd_iommu=on is on the kernel command line: the kernel ignores it ("AMD-Vi: Unknown option"); harmless, left as is';

describe('planHost: AMD, plain GRUB, GPU on nouveau (the MS-A2 case)', () => {
  const facts = composeBundle(msA2);
  const plan = planHost(facts);

  it('needs no kernel parameter, writes the three owned files whole and rebuilds the initramfs', () => {
    expect(summary(plan)).toEqual({
      gpu: { slot: '0000:01:00', functions: SFF_FUNCTIONS, iommuGroups: [11], bootVga: false },
      bootloader: 'grub',
      kernelParams: { required: [], missingInConfig: [], missingInRunningKernel: [] },
      changes: [
        {
          path: '/etc/modprobe.d/infra-blacklist-nvidia.conf',
          action: 'create',
          after: [
            'blacklist nouveau',
            'blacklist nvidia',
            'blacklist nvidia_drm',
            'blacklist nvidia_modeset',
            'blacklist nvidia_uvm',
          ],
        },
        {
          path: '/etc/modprobe.d/infra-vfio.conf',
          action: 'create',
          after: [
            'options vfio-pci ids=10de:27b0,10de:22bc',
            'softdep nouveau pre: vfio-pci',
            'softdep nvidia pre: vfio-pci',
            'softdep snd_hda_intel pre: vfio-pci',
          ],
        },
        {
          path: '/etc/modules-load.d/infra-vfio.conf',
          action: 'create',
          after: ['vfio', 'vfio_iommu_type1', 'vfio_pci'],
        },
      ],
      commands: [['update-initramfs', '-u', '-k', 'all']],
      warnings: [AMD_ON_WARNING],
      compliant: false,
      rebootRequired: true,
    });
  });

  it('writes exactly these file contents and diffs', () => {
    const vfio = plan.changes.find((c) => c.path === '/etc/modprobe.d/infra-vfio.conf')!;
    const expected =
      `${HEADER}# vfio-pci claims every function of the GPU slot 0000:01:00 (10de:27b0, 10de:22bc) before a host driver can.\n` +
      'options vfio-pci ids=10de:27b0,10de:22bc\nsoftdep nouveau pre: vfio-pci\nsoftdep nvidia pre: vfio-pci\nsoftdep snd_hda_intel pre: vfio-pci\n';
    expect(vfio.after).toBe(expected);
    expect(vfio.before).toBeUndefined();
    expect(vfio.reason).toBe('let vfio-pci claim 10de:27b0, 10de:22bc before the host drivers');
    expect(vfio.diff).toBe(
      `--- /dev/null\n+++ b/etc/modprobe.d/infra-vfio.conf\n@@ -0,0 +1,7 @@\n${expected
        .split('\n')
        .slice(0, -1)
        .map((line) => `+${line}`)
        .join('\n')}\n`,
    );
    expect(plan.changes.find((c) => c.path === '/etc/modules-load.d/infra-vfio.conf')!.after).toBe(
      `${HEADER}# VFIO modules for PCI passthrough (Proxmox VE docs, "PCI(e) Passthrough").\nvfio\nvfio_iommu_type1\nvfio_pci\n`,
    );
  });

  it('is a no-op the second time (idempotent), with the reboot still pending', () => {
    const second = planHost(applied(facts, plan));
    expect(second.changes).toEqual([]);
    expect(second.commands).toEqual([]);
    expect(second.compliant).toBe(true);
    expect(second.rebootRequired).toBe(true);
  });

  it('after the reboot (both functions on vfio-pci) it is compliant with nothing pending', () => {
    const rebooted = applied(facts, plan);
    rebooted.lspci = rebooted.lspci.replace(
      /Kernel driver in use: (nouveau|snd_hda_intel)\n(\tKernel modules: \S+\n)(?!c5)/g,
      'Kernel driver in use: vfio-pci\n$2',
    );
    expect(planHost(rebooted).gpu.functions.map((fn) => fn.driver)).toEqual(['vfio-pci', 'vfio-pci']);
    expect(summary(planHost(rebooted))).toMatchObject({
      changes: [],
      compliant: true,
      rebootRequired: false,
    });
  });

  it('adds iommu=pt to GRUB_CMDLINE_LINUX_DEFAULT only when asked for, and runs update-grub', () => {
    const fresh = composeBundle({
      ...msA2,
      procCmdline: FRESH_AMD_PROC_CMDLINE,
      files: { ...STOCK_FILES, '/etc/default/grub': STOCK_GRUB },
    });
    expect(planHost(fresh).changes.map((c) => c.path)).not.toContain('/etc/default/grub');
    const withPt = planHost(fresh, { iommuPassthrough: true });
    expect(withPt.kernelParams).toEqual({
      required: ['iommu=pt'],
      missingInConfig: ['iommu=pt'],
      missingInRunningKernel: ['iommu=pt'],
    });
    expect(withPt.warnings).toEqual([]);
    const grub = withPt.changes.find((c) => c.path === '/etc/default/grub')!;
    expect(grub.action).toBe('modify');
    expect(grub.after).toBe(grubWith('quiet iommu=pt'));
    expect(grub.diff).toBe(
      [
        '--- a/etc/default/grub',
        '+++ b/etc/default/grub',
        '@@ -4,7 +4,7 @@',
        ' GRUB_DEFAULT=0',
        ' GRUB_TIMEOUT=5',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax inside a GRUB file, not a template
        ' GRUB_DISTRIBUTOR=`( . /etc/os-release && echo ${NAME} )`',
        '-GRUB_CMDLINE_LINUX_DEFAULT="quiet"',
        '+GRUB_CMDLINE_LINUX_DEFAULT="quiet iommu=pt"',
        ' GRUB_CMDLINE_LINUX=""',
        ' ',
        ' # Uncomment to disable graphical terminal',
        '',
      ].join('\n'),
    );
    expect(withPt.commands).toEqual([['update-initramfs', '-u', '-k', 'all'], ['update-grub']]);
    expect(planHost(applied(fresh, withPt), { iommuPassthrough: true }).changes).toEqual([]);
  });

  it('never adds amd_iommu=on, and leaves an existing one alone', () => {
    const fresh = composeBundle({
      ...msA2,
      procCmdline: FRESH_AMD_PROC_CMDLINE,
      files: { ...STOCK_FILES, '/etc/default/grub': STOCK_GRUB },
    });
    const all = planHost(fresh, { iommuPassthrough: true })
      .changes.map((c) => c.after ?? '')
      .join('\n');
    expect(all).not.toContain('amd_iommu');
    expect(plan.changes.map((c) => c.path)).not.toContain('/etc/default/grub');
  });
});

describe('planHost: GRUB kept by proxmox-boot-tool', () => {
  it.each([
    ['UEFI', 'proxmox-boot-tool-status-grub-uefi.txt'],
    ['legacy BIOS', 'proxmox-boot-tool-status-grub-legacy.txt'],
  ])('%s: edits /etc/default/grub and refreshes the ESPs with proxmox-boot-tool', (_name, statusFixture) => {
    const facts = composeBundle({
      ...msA2,
      procCmdline: FRESH_AMD_PROC_CMDLINE,
      bootTool: { fixture: statusFixture, exitCode: 0 },
      files: { ...STOCK_FILES, '/etc/default/grub': STOCK_GRUB },
    });
    const plan = planHost(facts, { iommuPassthrough: true });
    expect(plan.bootloader).toEqual({
      kind: 'grub-proxmox-boot-tool',
      cmdlineFile: '/etc/default/grub',
      refreshCommand: ['proxmox-boot-tool', 'refresh'],
    });
    expect(plan.changes.find((c) => c.path === '/etc/default/grub')?.after).toBe(grubWith('quiet iommu=pt'));
    expect(plan.commands).toEqual([
      ['update-initramfs', '-u', '-k', 'all'],
      ['proxmox-boot-tool', 'refresh'],
    ]);
  });
});

describe('planHost: Intel, systemd-boot on ZFS', () => {
  const zfsCmdline = fixture('etc-kernel-cmdline-zfs-default.txt');
  const intel: BundleSpec = {
    cpu: 'intel',
    gpu: 'rtx3080-nvidia',
    kernelRelease: '6.8.12-2-pve',
    procCmdline: fixture('proc-cmdline-systemd-boot-zfs.txt'),
    bootTool: SYSTEMD_BOOT,
    files: { ...STOCK_FILES, '/etc/kernel/cmdline': zfsCmdline },
  };
  const RTX3080 = [
    {
      address: '0000:3e:00.0',
      id: '10de:2206',
      classCode: '0300',
      name: 'NVIDIA Corporation GA102 [GeForce RTX 3080]',
      driver: 'nvidia',
      subsystemId: '1458:404b',
    },
    {
      address: '0000:3e:00.1',
      id: '10de:1aef',
      classCode: '0403',
      name: 'NVIDIA Corporation GA102 High Definition Audio Controller',
      driver: 'snd_hda_intel',
      subsystemId: '1458:404b',
    },
  ];
  const NVIDIA_SOFTDEPS = [
    'options vfio-pci ids=10de:2206,10de:1aef',
    'softdep nouveau pre: vfio-pci',
    'softdep nvidia pre: vfio-pci',
    'softdep nvidia_drm pre: vfio-pci',
    'softdep snd_hda_intel pre: vfio-pci',
  ];

  it('new kernel (6.8): no intel_iommu=on; GPU on the proprietary driver gets softdeps for every driver lspci names', () => {
    expect(summary(planHost(composeBundle(intel)))).toEqual({
      gpu: { slot: '0000:3e:00', functions: RTX3080, iommuGroups: [13], bootVga: false },
      bootloader: 'systemd-boot',
      kernelParams: { required: [], missingInConfig: [], missingInRunningKernel: [] },
      changes: [
        {
          path: '/etc/modprobe.d/infra-blacklist-nvidia.conf',
          action: 'create',
          after: [
            'blacklist nouveau',
            'blacklist nvidia',
            'blacklist nvidia_drm',
            'blacklist nvidia_modeset',
            'blacklist nvidia_uvm',
          ],
        },
        { path: '/etc/modprobe.d/infra-vfio.conf', action: 'create', after: NVIDIA_SOFTDEPS },
        {
          path: '/etc/modules-load.d/infra-vfio.conf',
          action: 'create',
          after: ['vfio', 'vfio_iommu_type1', 'vfio_pci'],
        },
      ],
      commands: [['update-initramfs', '-u', '-k', 'all']],
      warnings: [],
      compliant: false,
      rebootRequired: true,
    });
  });

  it('old kernel (6.5): adds intel_iommu=on to /etc/kernel/cmdline, keeps root=, refreshes with proxmox-boot-tool', () => {
    const facts = composeBundle({
      ...intel,
      kernelRelease: '6.5.13-6-pve',
      procCmdline: intel.procCmdline.replaceAll('6.8.12-2-pve', '6.5.13-6-pve'),
      iommu: 'off',
    });
    const plan = planHost(facts);
    expect(summary(plan)).toEqual({
      gpu: { slot: '0000:3e:00', functions: RTX3080, iommuGroups: [], bootVga: false },
      bootloader: 'systemd-boot',
      kernelParams: {
        required: ['intel_iommu=on'],
        missingInConfig: ['intel_iommu=on'],
        missingInRunningKernel: ['intel_iommu=on'],
      },
      changes: [
        {
          path: '/etc/kernel/cmdline',
          action: 'modify',
          after: ['root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on'],
        },
        {
          path: '/etc/modprobe.d/infra-blacklist-nvidia.conf',
          action: 'create',
          after: [
            'blacklist nouveau',
            'blacklist nvidia',
            'blacklist nvidia_drm',
            'blacklist nvidia_modeset',
            'blacklist nvidia_uvm',
          ],
        },
        { path: '/etc/modprobe.d/infra-vfio.conf', action: 'create', after: NVIDIA_SOFTDEPS },
        {
          path: '/etc/modules-load.d/infra-vfio.conf',
          action: 'create',
          after: ['vfio', 'vfio_iommu_type1', 'vfio_pci'],
        },
      ],
      commands: [
        ['update-initramfs', '-u', '-k', 'all'],
        ['proxmox-boot-tool', 'refresh'],
      ],
      warnings: [
        "the IOMMU is off until intel_iommu=on is active: the GPU's IOMMU group can only be checked after the reboot (`gpu-host.ts verify`)",
      ],
      compliant: false,
      rebootRequired: true,
    });
    expect(plan.changes[0]!.after).toBe('root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on\n');
    expect(planHost(applied(facts, plan)).changes).toEqual([]);
  });

  it('old kernel with intel_iommu=on already active but no IOMMU groups: VT-d is off in the firmware', () => {
    const facts = composeBundle({
      ...intel,
      kernelRelease: '6.5.13-6-pve',
      procCmdline: fixture('proc-cmdline-systemd-boot-zfs-intel.txt').replaceAll(
        '6.14.8-2-pve',
        '6.5.13-6-pve',
      ),
      iommu: 'off',
    });
    expect(planError(facts)).toMatchObject({
      code: 'IOMMU_DISABLED',
      hint: 'enable VT-d (Intel) / the IOMMU in the firmware setup',
    });
  });

  it('a host configured by hand (GPU already on vfio-pci) is compliant: no changes, no commands, no reboot', () => {
    const facts = composeBundle({
      ...intel,
      gpu: 'laptop-vfio',
      kernelRelease: '6.14.8-2-pve',
      procCmdline: fixture('proc-cmdline-systemd-boot-zfs-intel.txt'),
      files: {
        ...STOCK_FILES,
        '/etc/kernel/cmdline': 'root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on iommu=pt\n',
        '/etc/modules': `${STOCK_MODULES}vfio\nvfio_iommu_type1\nvfio_pci\n`,
        '/etc/modprobe.d/vfio.conf':
          'options vfio-pci ids=10de:27bb,10de:22bc\nsoftdep nouveau pre: vfio-pci\nsoftdep nvidia pre: vfio-pci\nsoftdep snd_hda_intel pre: vfio-pci\n',
        '/etc/modprobe.d/blacklist.conf':
          'blacklist nouveau\nblacklist nvidia\nblacklist nvidia_drm\nblacklist nvidia_modeset\nblacklist nvidia_uvm\n',
      },
    });
    const plan = planHost(facts, { iommuPassthrough: true });
    expect(summary(plan)).toMatchObject({
      bootloader: 'systemd-boot',
      kernelParams: { required: ['iommu=pt'], missingInConfig: [], missingInRunningKernel: [] },
      changes: [],
      commands: [],
      warnings: [],
      compliant: true,
      rebootRequired: false,
    });
    expect(plan.gpu.functions.map((fn) => [fn.address, fn.id, fn.driver])).toEqual([
      ['0000:01:00.0', '10de:27bb', 'vfio-pci'],
      ['0000:01:00.1', '10de:22bc', 'vfio-pci'],
    ]);
  });

  it('refuses an ids= line elsewhere that lacks a GPU function (two ids= options override each other)', () => {
    const facts = composeBundle({
      ...intel,
      files: { ...intel.files, '/etc/modprobe.d/vfio.conf': 'options vfio-pci ids=10de:2206\n' },
    });
    expect(planError(facts)).toMatchObject({ code: 'VFIO_IDS_CONFLICT' });
    expect(planError(facts).message).toContain('lacks 10de:1aef');
  });

  it('refuses /etc/kernel/cmdline without root= and a missing file', () => {
    const noRoot = composeBundle({
      ...intel,
      files: { ...STOCK_FILES, '/etc/kernel/cmdline': 'boot=zfs quiet\n' },
    });
    expect(planError(noRoot).code).toBe('KERNEL_CMDLINE_NO_ROOT');
    expect(planError(composeBundle({ ...intel, files: STOCK_FILES })).code).toBe(
      'KERNEL_CMDLINE_FILE_MISSING',
    );
  });

  it('refuses a command line that switches the IOMMU off', () => {
    const facts = composeBundle({ ...intel, procCmdline: `${intel.procCmdline.trim()} intel_iommu=off\n` });
    expect(planError(facts)).toMatchObject({
      code: 'KERNEL_CMDLINE_IOMMU_OFF',
      message: '/proc/cmdline switches the IOMMU off (intel_iommu=off)',
    });
  });
});
