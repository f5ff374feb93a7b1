import { InfraError } from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';
import { type CpuInfo, kernelOlderThan } from '../parse/host-info';
import { hasParam, paramValues } from '../parse/kernel-cmdline';
import type { PlanOptions } from './options';

export interface KernelParamDecision {
  /** Parameters the command line must carry, each with why. */
  required: { param: string; reason: string }[];
  warnings: string[];
}

/**
 * Only what is needed (Proxmox VE admin guide, qm-pci-passthrough.adoc): AMD has the IOMMU on by default (never `amd_iommu=on`, which
 * the kernel ignores); Intel needs `intel_iommu=on` only before kernel 6.8; `iommu=pt` only when asked for.
 * Nothing is ever removed; a parameter that switches the IOMMU off stops the plan.
 */
export function decideKernelParams(
  cpu: CpuInfo,
  kernel: readonly [number, number, number],
  options: Pick<PlanOptions, 'iommuPassthrough'>,
  cmdlines: { source: string; tokens: string[] }[],
): KernelParamDecision {
  const required: KernelParamDecision['required'] = [];
  const warnings: string[] = [];
  for (const { source, tokens } of cmdlines) {
    const off = ['intel_iommu', 'amd_iommu', 'iommu'].filter((name) =>
      paramValues(tokens, name).includes('off'),
    );
    if (off.length > 0) {
      throw new InfraError<GpuHostErrorCode>(
        'KERNEL_CMDLINE_IOMMU_OFF',
        `${source} switches the IOMMU off (${off.map((n) => `${n}=off`).join(' ')})`,
        {
          hint: `remove ${off.map((n) => `${n}=off`).join(' ')} from ${source}; this tool never removes kernel parameters itself`,
        },
      );
    }
  }
  if (cpu.vendor === 'intel' && kernelOlderThan(kernel, 6, 8)) {
    required.push({ param: 'intel_iommu=on', reason: 'Intel CPUs need it on kernels older than 6.8' });
  }
  if (options.iommuPassthrough) {
    required.push({
      param: 'iommu=pt',
      reason: 'IOMMU passthrough mode was asked for (gpu.iommuPassthrough)',
    });
  }
  const all = cmdlines.flatMap((c) => c.tokens);
  if (cpu.vendor === 'amd' && hasParam(all, 'amd_iommu=on')) {
    warnings.push(
      'amd_iommu=on is on the kernel command line: the kernel ignores it ("AMD-Vi: Unknown option"); harmless, left as is',
    );
  }
  if (paramValues(all, 'pcie_acs_override').length > 0) {
    warnings.push(
      'pcie_acs_override is on the kernel command line: IOMMU groups are then not a reliable isolation boundary (insecure, last resort)',
    );
  }
  return { required, warnings };
}
