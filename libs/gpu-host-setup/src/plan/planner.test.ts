import { InfraError } from '@infra/cli';
import { describe, expect, it } from 'vitest';
import type { RawFacts } from '../facts/raw-facts';
import { type BundleSpec, composeBundle, PVE_BLACKLIST, STOCK_GRUB, STOCK_MODULES } from '../testing/bundles';
import { fixture } from '../testing/fixtures';
import type { PlanOptionsInput } from './options';
import { type HostPlan, planHost } from './planner';

const HEADER =
  '# Managed by infra (libs/gpu-host-setup: `pnpm tsx scripts/gpu-host.ts apply`), generated from the host facts and\n' +
  '# the gpu section of infra.config.yaml. Rewritten whole on apply, restored by `gpu-host.ts rollback`; do not edit.\n';

/** The non-comment lines of a file: what the planner decided, without the header. */
const body = (content: string | undefined) =>
  content?.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

/** The plan with owned-file contents reduced to their directives (full contents are asserted once below). */
function summary(plan: HostPlan) {
  return {
    gpu: plan.gpu,
    bootloader: plan.bootloader.kind,
    kernelParams: plan.kernelParams,
    changes: plan.changes.map((c) => ({ path: c.path, action: c.action, after: body(c.after) })),
    commands: plan.commands,
    warnings: plan.warnings,
    compliant: plan.compliant,
    rebootRequired: plan.rebootRequired,
  };
}

/** The host's files after a plan was applied (what `apply` writes, without I/O). */
function applied(facts: RawFacts, plan: HostPlan): RawFacts {
  const files = { ...facts.files };
  for (const change of plan.changes) {
    if (change.after === undefined) delete files[change.path];
    else files[change.path] = change.after;
  }
  return { ...facts, files };
}

function planError(facts: RawFacts, options: PlanOptionsInput = {}): InfraError {
  try {
    planHost(facts, options);
  } catch (error) {
    if (error instanceof InfraError) return error;
    throw error;
  }
  throw new Error('expected the planner to refuse');
}

const AMD_PROC_CMDLINE = fixture('proc-cmdline-grub-lvm-amd.txt');
/** The same host before anyone added IOMMU flags. */
const FRESH_AMD_PROC_CMDLINE = AMD_PROC_CMDLINE.replace(' amd_iommu=on iommu=pt pcie_aspm=off', '');
const grubWith = (defaults: string) =>
  STOCK_GRUB.replace('GRUB_CMDLINE_LINUX_DEFAULT="quiet"', `GRUB_CMDLINE_LINUX_DEFAULT="${defaults}"`);
const PLAIN_GRUB = { fixture: 'proxmox-boot-tool-status-plain-grub.txt', exitCode: 2 };
const SYSTEMD_BOOT = { fixture: 'proxmox-boot-tool-status-systemd-boot.txt', exitCode: 0 };
const STOCK_FILES = {
  '/etc/modules': STOCK_MODULES,
  '/etc/modules-load.d/modules.conf': STOCK_MODULES,
  '/etc/modprobe.d/pve-blacklist.conf': PVE_BLACKLIST,
};

/** The project's target: AMD (MS-A2-like), plain GRUB on LVM, PVE 9 kernel, RTX 4000 SFF Ada on nouveau. */
const msA2: BundleSpec = {
  cpu: 'amd',
  gpu: 'sff-nouveau',
  kernelRelease: '6.14.11-4-pve',
  procCmdline: AMD_PROC_CMDLINE,
  bootTool: PLAIN_GRUB,
  files: { ...STOCK_FILES, '/etc/default/grub': grubWith('quiet amd_iommu=on iommu=pt pcie_aspm=off') },
};

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
