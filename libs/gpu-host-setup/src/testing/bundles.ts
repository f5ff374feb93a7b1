import type { RawFacts } from '../facts/raw-facts';
import { formatIommuGroups, parseIommuGroups } from '../parse/iommu-groups';
import { fixture } from './fixtures';

/**
 * Complete facts bundles for planner tests, composed from the captured fixtures plus the few lines a capture
 * never has (the rest of the host's PCI devices, cpuinfo, stock config files). Hand-written parts say so.
 */

export const CPUINFO = {
  amd: 'processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel name\t: AMD Ryzen 9 9955HX 16-Core Processor\n',
  intel:
    'processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel name\t: 13th Gen Intel(R) Core(TM) i9-13900H\n',
} as const;

/** Hand-written: the stock Debian/Proxmox /etc/default/grub (shape of the grub2-common default). */
export const STOCK_GRUB = [
  "# If you change this file, run 'update-grub' afterwards to update",
  '# /boot/grub/grub.cfg.',
  '',
  'GRUB_DEFAULT=0',
  'GRUB_TIMEOUT=5',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax inside a GRUB file, not a template
  'GRUB_DISTRIBUTOR=`( . /etc/os-release && echo ${NAME} )`',
  'GRUB_CMDLINE_LINUX_DEFAULT="quiet"',
  'GRUB_CMDLINE_LINUX=""',
  '',
  '# Uncomment to disable graphical terminal',
  '#GRUB_TERMINAL=console',
  '',
].join('\n');

/** Proxmox's own /etc/modprobe.d/pve-blacklist.conf, as a PVE 7.3 host ships it. */
export const PVE_BLACKLIST =
  '# This file contains a list of modules which are not supported by Proxmox VE\n\n# nidiafb see bugreport https://bugzilla.proxmox.com/show_bug.cgi?id=701\nblacklist nvidiafb\n';

export const STOCK_MODULES =
  '# /etc/modules: kernel modules to load at boot time.\n#\n# Lines beginning with "#" are ignored.\n';

/** Hand-written: the rest of an AMD (MS-A2-like) host: host bridge, root port, NVMe, iGPU (boot VGA) + audio. */
const AMD_HOST_PCI = [
  '00:00.0 Host bridge [0600]: Advanced Micro Devices, Inc. [AMD] Device [1022:14d8]',
  '00:01.1 PCI bridge [0604]: Advanced Micro Devices, Inc. [AMD] Device [1022:14db]',
  '\tKernel driver in use: pcieport',
  '02:00.0 Non-Volatile memory controller [0108]: Samsung Electronics Co Ltd NVMe SSD Controller PM9C1a [144d:a80d]',
  '\tKernel driver in use: nvme',
  'c5:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Granite Ridge [Radeon Graphics] [1002:13c0] (rev c5)',
  '\tKernel driver in use: amdgpu',
  '\tKernel modules: amdgpu',
  'c5:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Radeon High Definition Audio Controller [1002:1640]',
  '\tKernel driver in use: snd_hda_intel',
  '\tKernel modules: snd_hda_intel',
].join('\n');
const AMD_HOST_GROUPS = {
  '0000:00:00.0': 0,
  '0000:00:01.1': 1,
  '0000:02:00.0': 5,
  '0000:c5:00.0': 20,
  '0000:c5:00.1': 21,
};

/** Hand-written: the rest of an Intel host. */
const INTEL_HOST_PCI = [
  '00:00.0 Host bridge [0600]: Intel Corporation Device [8086:a706]',
  '00:02.0 VGA compatible controller [0300]: Intel Corporation Raptor Lake-P [Iris Xe Graphics] [8086:a7a0] (rev 04)',
  '\tKernel driver in use: i915',
  '\tKernel modules: i915',
  '00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:51bc] (rev 01)',
  '\tKernel driver in use: pcieport',
  '03:00.0 Ethernet controller [0200]: Intel Corporation Ethernet Controller I226-V [8086:125c] (rev 04)',
  '\tKernel driver in use: igc',
].join('\n');
const INTEL_HOST_GROUPS = { '0000:00:00.0': 0, '0000:00:02.0': 1, '0000:00:1c.0': 2, '0000:03:00.0': 3 };

/** The audio function that the single-function RTX 4000 SFF capture leaves out (same ID on every AD104 card). */
const AD104_AUDIO_ON_SND_HDA = [
  '01:00.1 Audio device [0403]: NVIDIA Corporation AD104 High Definition Audio Controller [10de:22bc] (rev a1)',
  '\tSubsystem: NVIDIA Corporation Device [10de:16fa]',
  '\tKernel driver in use: snd_hda_intel',
  '\tKernel modules: snd_hda_intel',
].join('\n');

const groupListing = (groups: Record<string, number>) => formatIommuGroups(new Map(Object.entries(groups)));
const merge = (...listings: string[]) => {
  const all = new Map<string, number>();
  for (const listing of listings)
    for (const [address, group] of parseIommuGroups(listing)) all.set(address, group);
  return formatIommuGroups(all);
};
/** The loop-script group capture's member lines are `lspci -nns` lines: reuse them as lspci output. */
const lspciFromGroupCapture = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('\t'))
    .map((line) => line.slice(1))
    .join('\n');

export type GpuCase =
  | 'sff-nouveau'
  | 'laptop-vfio'
  | 'rtx3080-nvidia'
  | 'a10-3d'
  | 'gtx1660-multifunction'
  | 'shared-group';

function gpuDevices(gpu: GpuCase): { lspci: string; groups: string } {
  switch (gpu) {
    case 'sff-nouveau':
      return {
        lspci: `${fixture('lspci-nnk-rtx4000-sff-ada-nouveau.txt')}${AD104_AUDIO_ON_SND_HDA}\n`,
        groups: fixture('iommu-group-isolated-ada.txt'),
      };
    case 'laptop-vfio':
      return {
        lspci: fixture('lspci-nnk-ada-laptop-vfio.txt'),
        groups: fixture('iommu-group-isolated-ada.txt'),
      };
    case 'rtx3080-nvidia':
      return {
        lspci: fixture('lspci-nnk-rtx3080-nvidia-driver.txt'),
        groups: groupListing({ '0000:3e:00.0': 13, '0000:3e:00.1': 13 }),
      };
    case 'a10-3d':
      return {
        lspci: fixture('lspci-nnk-a10-3d-controller-vfio.txt'),
        groups: groupListing({ '0000:65:00.0': 30 }),
      };
    case 'gtx1660-multifunction': {
      const capture = fixture('iommu-group-gtx1660-multifunction.txt');
      return { lspci: lspciFromGroupCapture(capture), groups: capture };
    }
    case 'shared-group':
      // The sysfs capture: group 14 holds a root port (00:1c.0), the GPU (02:00.0) and a NIC (03:00.0).
      return {
        lspci: fixture('lspci-nnk-rtx4000-sff-ada-nouveau.txt').replace(/^01:00\.0/, '02:00.0'),
        groups: fixture('sysfs-iommu-groups.txt'),
      };
  }
}

export interface BundleSpec {
  cpu: 'amd' | 'intel';
  gpu: GpuCase;
  kernelRelease: string;
  procCmdline: string;
  bootTool: { fixture: string; exitCode: number };
  files: Record<string, string>;
  iommu?: 'on' | 'off';
  kernelLog?: string;
  bootVga?: string;
}

export function composeBundle(spec: BundleSpec): RawFacts {
  const gpu = gpuDevices(spec.gpu);
  const hostPci = spec.cpu === 'amd' ? AMD_HOST_PCI : INTEL_HOST_PCI;
  const hostGroups = spec.cpu === 'amd' ? AMD_HOST_GROUPS : INTEL_HOST_GROUPS;
  const igpu = spec.cpu === 'amd' ? '0000:c5:00.0' : '0000:00:02.0';
  return {
    cpuinfo: CPUINFO[spec.cpu],
    kernelRelease: spec.kernelRelease,
    procCmdline: spec.procCmdline,
    bootToolStatus: { output: fixture(spec.bootTool.fixture), exitCode: spec.bootTool.exitCode },
    lspci: `${hostPci}\n${gpu.lspci}`,
    iommuGroups: spec.iommu === 'off' ? '' : merge(groupListing(hostGroups), gpu.groups),
    kernelLog:
      spec.kernelLog ??
      (spec.cpu === 'amd'
        ? fixture('dmesg-amd-vi-journal.txt')
        : '[    0.412345] DMAR-IR: Enabled IRQ remapping in x2apic mode\n'),
    bootVga: spec.bootVga ?? `${igpu} 1\n`,
    files: spec.files,
  };
}
