import { InfraError } from '@infra/core';
import { unifiedDiff } from '../diff/unified-diff';
import type { GpuHostErrorCode } from '../error-codes';
import type { RawFacts } from '../facts/raw-facts';
import { parseBootToolStatus } from '../parse/boot-tool-status';
import {
  interruptRemapping,
  kernelOlderThan,
  parseBootVga,
  parseCpuInfo,
  parseKernelVersion,
} from '../parse/host-info';
import { parseIommuGroups } from '../parse/iommu-groups';
import { hasParam, splitCmdline } from '../parse/kernel-cmdline';
import { parseLspci, pciId } from '../parse/lspci';
import { slotOf } from '../parse/pci-address';
import { type Bootloader, decideBootloader } from './bootloader';
import { addCmdlineParams, configuredCmdline } from './cmdline-edit';
import { decideKernelParams } from './kernel-params';
import { decideModuleFiles, OWNED_FILES } from './module-files';
import { type PlanOptionsInput, planOptionsSchema } from './options';
import { checkIsolation, selectGpu } from './select-gpu';

export interface FileChange {
  path: string;
  action: 'create' | 'modify' | 'delete';
  /** Content now; undefined when the file does not exist. */
  before: string | undefined;
  /** Content wanted; undefined when the file is to be removed. */
  after: string | undefined;
  /** Unified diff (a/ and b/ prefixes, /dev/null for a missing side). */
  diff: string;
  reason: string;
}

export interface HostPlan {
  host: { cpuVendor: string; cpuModel: string; kernelRelease: string };
  gpu: {
    slot: string;
    functions: {
      address: string;
      id: string;
      classCode: string;
      name: string;
      driver?: string;
      subsystemId?: string;
    }[];
    iommuGroups: number[];
    bootVga: boolean;
  };
  bootloader: Bootloader;
  kernelParams: { required: string[]; missingInConfig: string[]; missingInRunningKernel: string[] };
  changes: FileChange[];
  /** In order; each is argv. Empty when nothing changes. */
  commands: string[][];
  warnings: string[];
  /** True when no file needs to change. */
  compliant: boolean;
  /** True until the running kernel has the parameters and every GPU function is bound to vfio-pci. */
  rebootRequired: boolean;
}

export const INITRAMFS_COMMAND = ['update-initramfs', '-u', '-k', 'all'];

function factsInvalid(message: string, hint: string): InfraError {
  return new InfraError<GpuHostErrorCode>('FACTS_INVALID', message, { hint });
}

/**
 * facts + options → plan. Pure: no I/O, deterministic, throws InfraError (fail closed) whenever passthrough
 * cannot be set up safely (each stop is listed under "Safety model" in this library's README).
 */
export function planHost(facts: RawFacts, input: PlanOptionsInput = {}): HostPlan {
  const parsedOptions = planOptionsSchema.safeParse(input);
  if (!parsedOptions.success) {
    throw new InfraError<GpuHostErrorCode>(
      'PLAN_OPTIONS_INVALID',
      `gpu options: ${parsedOptions.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const options = parsedOptions.data;
  const warnings: string[] = [];

  const cpu = parseCpuInfo(facts.cpuinfo);
  if (cpu.vendor === 'other')
    warnings.push(
      `unknown CPU vendor "${cpu.vendorId}" in /proc/cpuinfo: no IOMMU kernel parameter is added`,
    );
  const kernel = parseKernelVersion(facts.kernelRelease);
  if (!kernel)
    throw factsInvalid(
      `kernel release "${facts.kernelRelease}" does not start with a version`,
      'the facts need `uname -r` output, e.g. 6.14.11-4-pve',
    );
  const devices = parseLspci(facts.lspci);
  if (devices.length === 0)
    throw factsInvalid('the lspci output lists no PCI devices', 'the facts need `lspci -Dnnk` output');
  const groups = parseIommuGroups(facts.iommuGroups);
  const procTokens = splitCmdline(facts.procCmdline);

  // GPU and isolation.
  const selection = selectGpu(devices, groups, options.selector);
  const intelParamPending =
    cpu.vendor === 'intel' && kernelOlderThan(kernel, 6, 8) && !hasParam(procTokens, 'intel_iommu=on');
  if (groups.size === 0) {
    if (!intelParamPending) {
      throw new InfraError<GpuHostErrorCode>(
        'IOMMU_DISABLED',
        'the IOMMU is off: /sys/kernel/iommu_groups is empty',
        {
          hint:
            cpu.vendor === 'amd'
              ? 'enable the IOMMU (and SVM) in the firmware setup; AMD CPUs need no kernel parameter for it'
              : 'enable VT-d (Intel) / the IOMMU in the firmware setup',
          details: { cpuVendor: cpu.vendor, kernelRelease: facts.kernelRelease },
        },
      );
    }
    warnings.push(
      "the IOMMU is off until intel_iommu=on is active: the GPU's IOMMU group can only be checked after the reboot (`gpu-host.ts verify`)",
    );
  } else {
    checkIsolation(selection, devices, groups);
    if (interruptRemapping(facts.kernelLog) !== 'enabled') {
      warnings.push(
        'the kernel log does not show interrupt remapping as enabled (AMD-Vi / DMAR-IR); passthrough may refuse to start without it',
      );
    }
  }

  // Kernel command line.
  const bootloader = decideBootloader(
    parseBootToolStatus(facts.bootToolStatus.output, facts.bootToolStatus.exitCode),
    facts.procCmdline,
  );
  const configTokens = configuredCmdline(bootloader, facts.files);
  const params = decideKernelParams(cpu, kernel, options, [
    { source: '/proc/cmdline', tokens: procTokens },
    { source: bootloader.cmdlineFile, tokens: configTokens },
  ]);
  warnings.push(...params.warnings);
  const required = params.required.map((r) => r.param);
  const missingInConfig = required.filter((p) => !hasParam(configTokens, p));
  const missingInRunningKernel = required.filter((p) => !hasParam(procTokens, p));

  // Files.
  const modules = decideModuleFiles(facts.files, kernel, selection, options);
  warnings.push(...modules.warnings);
  const desired: Record<string, string | undefined> = { ...modules.desired };
  const reasons: Record<string, string> = {
    [OWNED_FILES.modulesLoad]: 'load the VFIO modules at boot',
    [OWNED_FILES.vfio]: `let vfio-pci claim ${[...new Set(selection.functions.map(pciId))].join(', ')} before the host drivers`,
    [OWNED_FILES.blacklist]: 'keep nouveau and the NVIDIA host drivers off the card',
  };
  if (missingInConfig.length > 0) {
    desired[bootloader.cmdlineFile] = addCmdlineParams(bootloader, facts.files, missingInConfig);
    reasons[bootloader.cmdlineFile] = `add ${params.required
      .filter((r) => missingInConfig.includes(r.param))
      .map((r) => `${r.param} (${r.reason})`)
      .join(', ')} to the kernel command line (${bootloader.kind})`;
  }
  const changes: FileChange[] = [];
  for (const [path, after] of Object.entries(desired)) {
    const before = facts.files[path];
    if (before === after) continue;
    const action = before === undefined ? 'create' : after === undefined ? 'delete' : 'modify';
    const reason = action === 'delete' ? 'not needed: other files already provide all of it' : reasons[path]!;
    changes.push({ path, action, before, after, diff: unifiedDiff(path, before, after), reason });
  }
  changes.sort((a, b) => a.path.localeCompare(b.path));

  const commands: string[][] = [];
  if (changes.some((c) => c.path.startsWith('/etc/modprobe.d/') || c.path.startsWith('/etc/modules')))
    commands.push(INITRAMFS_COMMAND);
  if (changes.some((c) => c.path === bootloader.cmdlineFile)) commands.push(bootloader.refreshCommand);

  // Other warnings: boot VGA, IDs shared with devices outside the slot.
  const bootVga = parseBootVga(facts.bootVga);
  const gpuIsBootVga = selection.functions.some((fn) => bootVga.get(fn.address) === true);
  if (gpuIsBootVga) {
    warnings.push(
      `${selection.display.address} is the boot VGA device (boot_vga=1): the firmware framebuffer may hold its memory ("BAR n: can't reserve"). Make the iGPU the primary display in the firmware; initcall_blacklist=sysfb_init is the kernel-side fallback (not added automatically)`,
    );
  }
  const ids = new Set(selection.functions.map(pciId));
  for (const device of devices) {
    if (slotOf(device.address) !== selection.slot && ids.has(pciId(device))) {
      warnings.push(
        `vfio-pci binds by ID: ${device.address} has the same ID ${pciId(device)} and will be claimed by vfio-pci too`,
      );
    }
  }

  const notOnVfio = selection.functions.some((fn) => fn.driver !== 'vfio-pci');
  return {
    host: { cpuVendor: cpu.vendor, cpuModel: cpu.model, kernelRelease: facts.kernelRelease },
    gpu: {
      slot: selection.slot,
      functions: selection.functions.map((fn) => ({
        address: fn.address,
        id: pciId(fn),
        classCode: fn.classCode,
        name: fn.name,
        ...(fn.driver ? { driver: fn.driver } : {}),
        ...(fn.subsystemId ? { subsystemId: fn.subsystemId } : {}),
      })),
      iommuGroups: selection.iommuGroups,
      bootVga: gpuIsBootVga,
    },
    bootloader,
    kernelParams: { required, missingInConfig, missingInRunningKernel },
    changes,
    commands,
    warnings,
    compliant: changes.length === 0,
    rebootRequired: changes.length > 0 || missingInRunningKernel.length > 0 || notOnVfio,
  };
}
