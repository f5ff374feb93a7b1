import { isInfraError } from '@infra/core';
import { latestEffectiveSet, type Manifest, sha256 } from '../apply/backup-set';
import type { RawFacts } from '../facts/raw-facts';
import { interruptRemapping } from '../parse/host-info';
import { parseIommuGroups } from '../parse/iommu-groups';
import type { PlanOptionsInput } from '../plan/options';
import { type HostPlan, planHost } from '../plan/planner';

export interface VerifyCheck {
  name:
    | 'iommu-active'
    | 'gpu-isolated'
    | 'kernel-cmdline'
    | 'vfio-bound'
    | 'config-compliant'
    | 'unchanged-since-apply'
    | 'interrupt-remapping'
    | 'boot-vga';
  status: 'pass' | 'fail' | 'warn' | 'skip';
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  checks: VerifyCheck[];
}

/** Watched files that differ from what the last apply left: changed, added or removed. */
export function driftSinceApply(facts: RawFacts, manifest: Pick<Manifest, 'watched'>): string[] {
  const now = Object.fromEntries(
    Object.entries(facts.files).map(([path, content]) => [path, sha256(content)]),
  );
  const paths = new Set([...Object.keys(now), ...Object.keys(manifest.watched)]);
  return [...paths]
    .filter((path) => now[path] !== manifest.watched[path])
    .sort()
    .map((path) =>
      now[path] === undefined
        ? `${path} (removed)`
        : manifest.watched[path] === undefined
          ? `${path} (added)`
          : path,
    );
}

/**
 * After the reboot: is passthrough really in effect? Pure over the facts and the last apply's manifest, so the
 * same checks run on a live host, on a bundle, and in tests.
 */
export function verifyFacts(
  facts: RawFacts,
  options: PlanOptionsInput,
  lastApply: Pick<Manifest, 'watched' | 'status'> | undefined,
): VerifyResult {
  const checks: VerifyCheck[] = [];
  const groups = parseIommuGroups(facts.iommuGroups);
  checks.push(
    groups.size > 0
      ? { name: 'iommu-active', status: 'pass', detail: `${new Set(groups.values()).size} IOMMU groups` }
      : {
          name: 'iommu-active',
          status: 'fail',
          detail: '/sys/kernel/iommu_groups is empty: the IOMMU is off',
        },
  );
  let plan: HostPlan | undefined;
  try {
    plan = planHost(facts, options);
    checks.push({
      name: 'gpu-isolated',
      status: 'pass',
      detail: `GPU ${plan.gpu.slot} in IOMMU group(s) ${plan.gpu.iommuGroups.join(', ')}`,
    });
  } catch (error) {
    if (!isInfraError(error)) throw error;
    checks.push({ name: 'gpu-isolated', status: 'fail', detail: `${error.message} [${error.code}]` });
  }
  if (plan) {
    const missing = plan.kernelParams.missingInRunningKernel;
    checks.push(
      missing.length === 0
        ? {
            name: 'kernel-cmdline',
            status: 'pass',
            detail:
              plan.kernelParams.required.length === 0
                ? 'no parameter needed'
                : `running kernel has ${plan.kernelParams.required.join(' ')}`,
          }
        : {
            name: 'kernel-cmdline',
            status: 'fail',
            detail: `/proc/cmdline lacks ${missing.join(' ')} (edited the wrong file, or not rebooted?)`,
          },
    );
    const notBound = plan.gpu.functions.filter((fn) => fn.driver !== 'vfio-pci');
    checks.push(
      notBound.length === 0
        ? {
            name: 'vfio-bound',
            status: 'pass',
            detail: `${plan.gpu.functions.map((fn) => fn.address).join(', ')} use vfio-pci`,
          }
        : {
            name: 'vfio-bound',
            status: 'fail',
            detail: `not on vfio-pci: ${notBound.map((fn) => `${fn.address} (${fn.driver ?? 'no driver'})`).join(', ')}`,
          },
    );
    checks.push(
      plan.compliant
        ? { name: 'config-compliant', status: 'pass', detail: 'the configuration needs no change' }
        : {
            name: 'config-compliant',
            status: 'fail',
            detail: `plan would change ${plan.changes.map((c) => c.path).join(', ')}`,
          },
    );
    checks.push(
      plan.gpu.bootVga
        ? { name: 'boot-vga', status: 'warn', detail: 'the GPU is the boot VGA device (boot_vga=1)' }
        : { name: 'boot-vga', status: 'pass', detail: 'the GPU is not the boot VGA device' },
    );
  }
  if (lastApply === undefined) {
    checks.push({ name: 'unchanged-since-apply', status: 'skip', detail: 'no apply recorded on this host' });
  } else {
    const drift = driftSinceApply(facts, lastApply);
    checks.push(
      drift.length === 0
        ? {
            name: 'unchanged-since-apply',
            status: 'pass',
            detail: 'boot and module configuration exactly as the last apply left it',
          }
        : {
            name: 'unchanged-since-apply',
            status: 'fail',
            detail: `changed after the last apply: ${drift.join(', ')}`,
          },
    );
  }
  checks.push(
    interruptRemapping(facts.kernelLog) === 'enabled'
      ? {
          name: 'interrupt-remapping',
          status: 'pass',
          detail: 'the kernel log shows interrupt remapping enabled',
        }
      : {
          name: 'interrupt-remapping',
          status: 'warn',
          detail: 'the kernel log does not show interrupt remapping enabled',
        },
  );
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

/** The manifest verify compares with: the latest applied (not rolled back) set. */
export async function lastApplied(
  ...args: Parameters<typeof latestEffectiveSet>
): Promise<Manifest | undefined> {
  const latest = await latestEffectiveSet(...args);
  return latest &&
    (latest.manifest.status === 'applied' ||
      latest.manifest.status === 'commands-failed' ||
      latest.manifest.status === 'written')
    ? latest.manifest
    : undefined;
}
