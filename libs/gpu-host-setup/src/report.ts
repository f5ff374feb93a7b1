import type { HostPlan } from './plan/planner';
import type { VerifyResult } from './verify/verify';

/** The plan as a person reads it: what was found, the diffs, the commands, the warnings, the verdict. */
export function formatPlan(plan: HostPlan, hostLabel: string): string {
  const lines: string[] = [];
  const gpu = plan.gpu;
  lines.push(
    `Host ${hostLabel}: ${plan.host.cpuVendor.toUpperCase()} ${plan.host.cpuModel || '(model unknown)'}, kernel ${plan.host.kernelRelease}`,
  );
  lines.push(
    `GPU slot ${gpu.slot}, IOMMU group ${gpu.iommuGroups.length > 0 ? gpu.iommuGroups.join(', ') : '(IOMMU off)'}${gpu.bootVga ? ', boot VGA' : ''}:`,
  );
  for (const fn of gpu.functions)
    lines.push(`  ${fn.address} [${fn.id}] ${fn.name} (driver: ${fn.driver ?? 'none'})`);
  lines.push(
    `Bootloader: ${plan.bootloader.kind} (${plan.bootloader.cmdlineFile}, refreshed by \`${plan.bootloader.refreshCommand.join(' ')}\`)`,
  );
  const params = plan.kernelParams;
  lines.push(
    params.required.length === 0
      ? 'Kernel parameters: none needed'
      : `Kernel parameters: ${params.required.join(' ')}${params.missingInConfig.length > 0 ? ` (to add: ${params.missingInConfig.join(' ')})` : ' (configured)'}`,
  );
  if (plan.changes.length > 0) {
    lines.push('', `Changes (${plan.changes.length}):`);
    for (const change of plan.changes) lines.push(`  ${change.action} ${change.path}: ${change.reason}`);
    for (const change of plan.changes) lines.push('', change.diff.trimEnd());
    lines.push('', 'Commands:');
    for (const command of plan.commands) lines.push(`  ${command.join(' ')}`);
  }
  if (plan.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const warning of plan.warnings) lines.push(`  ! ${warning}`);
  }
  lines.push('');
  if (plan.compliant) {
    lines.push(
      plan.rebootRequired
        ? 'The host configuration is compliant; a reboot is still needed for it to take effect.'
        : 'The host is compliant: nothing to do.',
    );
  } else {
    lines.push(
      `${plan.changes.length} file(s) to change; apply them with \`gpu-host.ts apply\`, then reboot.`,
    );
  }
  return lines.join('\n');
}

export function formatVerify(result: VerifyResult): string {
  const mark = { pass: 'ok  ', fail: 'FAIL', warn: 'warn', skip: 'skip' } as const;
  const lines = result.checks.map((check) => `${mark[check.status]} ${check.name}: ${check.detail}`);
  lines.push('', result.ok ? 'Passthrough is in effect.' : 'Passthrough is NOT in effect (see FAIL lines).');
  return lines.join('\n');
}
