import { InfraError } from '@infra/core';
import type { RawFacts } from '../facts/raw-facts';
import type { PlanOptionsInput } from '../plan/options';
import { type HostPlan, planHost } from '../plan/planner';
import { type BundleSpec, PVE_BLACKLIST, STOCK_GRUB, STOCK_MODULES } from './bundles';
import { fixture } from './fixtures';

/** Shared by the planner tests: summaries, the "applied" host, the refusal catcher, and the MS-A2 base case. */
export const HEADER =
  '# Managed by infra (libs/gpu-host-setup: `./infra gpu-host apply`), generated from the host facts and\n' +
  '# the gpu section of infra.config.yaml. Rewritten whole on apply, restored by `gpu-host.ts rollback`; do not edit.\n';

/** The non-comment lines of a file: what the planner decided, without the header. */
export const body = (content: string | undefined) =>
  content?.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

/** The plan with owned-file contents reduced to their directives (full contents are asserted once below). */
export function summary(plan: HostPlan) {
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
export function applied(facts: RawFacts, plan: HostPlan): RawFacts {
  const files = { ...facts.files };
  for (const change of plan.changes) {
    if (change.after === undefined) delete files[change.path];
    else files[change.path] = change.after;
  }
  return { ...facts, files };
}

export function planError(facts: RawFacts, options: PlanOptionsInput = {}): InfraError {
  try {
    planHost(facts, options);
  } catch (error) {
    if (error instanceof InfraError) return error;
    throw error;
  }
  throw new Error('expected the planner to refuse');
}

export const AMD_PROC_CMDLINE = fixture('proc-cmdline-grub-lvm-amd.txt');
/** The same host before anyone added IOMMU flags. */
export const FRESH_AMD_PROC_CMDLINE = AMD_PROC_CMDLINE.replace(' amd_iommu=on iommu=pt pcie_aspm=off', '');
export const grubWith = (defaults: string) =>
  STOCK_GRUB.replace('GRUB_CMDLINE_LINUX_DEFAULT="quiet"', `GRUB_CMDLINE_LINUX_DEFAULT="${defaults}"`);
export const PLAIN_GRUB = { fixture: 'proxmox-boot-tool-status-plain-grub.txt', exitCode: 2 };
export const SYSTEMD_BOOT = { fixture: 'proxmox-boot-tool-status-systemd-boot.txt', exitCode: 0 };
export const STOCK_FILES = {
  '/etc/modules': STOCK_MODULES,
  '/etc/modules-load.d/modules.conf': STOCK_MODULES,
  '/etc/modprobe.d/pve-blacklist.conf': PVE_BLACKLIST,
};

/** The project's target: AMD (MS-A2-like), plain GRUB on LVM, PVE 9 kernel, RTX 4000 SFF Ada on nouveau. */
export const msA2: BundleSpec = {
  cpu: 'amd',
  gpu: 'sff-nouveau',
  kernelRelease: '6.14.11-4-pve',
  procCmdline: AMD_PROC_CMDLINE,
  bootTool: PLAIN_GRUB,
  files: { ...STOCK_FILES, '/etc/default/grub': grubWith('quiet amd_iommu=on iommu=pt pcie_aspm=off') },
};
