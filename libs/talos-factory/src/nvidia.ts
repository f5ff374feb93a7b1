import { InfraError } from '@infra/core';
import { stringify } from 'yaml';
import type { TalosFactoryErrorCode } from './error-codes';
import { formatFinding, validateMachineConfigDocument } from './validate/validate';
import { isAtLeast, parseTalosVersion, supports } from './version';

/**
 * NVIDIA on Talos: which system extensions to put in the schematic and which machine-config patch to apply,
 * per Talos version (siderolabs/extensions `nvidia-gpu/`; the tier suffixes arrived in extensions v1.8.0):
 * - up to v1.7 the extensions have no tier suffix (the factory maps them to -lts);
 * - from v1.8 they are `-production` or `-lts`, and the container toolkit must match the driver's tier;
 * - v1.12 and earlier: `machine.kernel.modules` + sysctl `net.core.bpf_jit_harden: "1"`;
 * - v1.13: the same modules, no sysctl (GPU Operator flow); the sysctl stays available as an option;
 * - v1.14+: one `KernelModuleConfig` document per module (and a `SysctlConfig` if the sysctl is wanted).
 */
export type NvidiaDriver = 'open' | 'proprietary';
export type NvidiaTier = 'production' | 'lts';

export interface NvidiaOptions {
  driver: NvidiaDriver;
  tier: NvidiaTier;
  /** NVLink/NVSwitch fabric manager extension. */
  fabricManager?: boolean;
  /** Set `net.core.bpf_jit_harden=1`. Default: on for Talos ≤ 1.12 (the documented flow there), off after. */
  bpfJitHarden?: boolean;
}

export const NVIDIA_MODULES = ['nvidia', 'nvidia_uvm', 'nvidia_drm', 'nvidia_modeset'] as const;

export function nvidiaExtensions(talosVersion: string, options: NvidiaOptions): string[] {
  const version = parseTalosVersion(talosVersion);
  const tiered = supports(version, 'nvidiaTiers');
  if (!tiered && options.tier === 'production') {
    throw new InfraError<TalosFactoryErrorCode>(
      'TALOS_NVIDIA_TIER_UNSUPPORTED',
      `Talos ${version.text} has no production NVIDIA extensions (tiers exist from v1.8.0; older names map to LTS)`,
      { hint: 'set talos.nvidia.tier to "lts" or use Talos v1.8 or later' },
    );
  }
  const suffix = tiered ? `-${options.tier}` : '';
  const driver =
    options.driver === 'open'
      ? `siderolabs/nvidia-open-gpu-kernel-modules${suffix}`
      : `siderolabs/nonfree-kmod-nvidia${suffix}`;
  const list = [driver, `siderolabs/nvidia-container-toolkit${suffix}`];
  if (options.fabricManager) list.push(`siderolabs/nvidia-fabricmanager${suffix}`);
  return list;
}

/** All NVIDIA extension names the helper knows, for tier consistency checks. */
const DRIVER = /^siderolabs\/(nvidia-open-gpu-kernel-modules|nonfree-kmod-nvidia)(?:-(production|lts))?$/;
const TOOLKIT = /^siderolabs\/nvidia-container-toolkit(?:-(production|lts))?$/;

/** Problems with the NVIDIA extensions of a schematic: two drivers, a toolkit without driver, mismatched tiers. */
export function checkNvidiaExtensions(extensions: readonly string[]): string[] {
  const drivers = extensions.map((e) => DRIVER.exec(e)).filter((m) => m !== null);
  const toolkits = extensions.map((e) => TOOLKIT.exec(e)).filter((m) => m !== null);
  const problems: string[] = [];
  if (drivers.length > 1)
    problems.push(`more than one NVIDIA kernel module extension: ${drivers.map((m) => m[0]).join(', ')}`);
  if (toolkits.length > 0 && drivers.length === 0)
    problems.push('nvidia-container-toolkit without an NVIDIA kernel module extension');
  if (drivers.length > 0 && toolkits.length === 0)
    problems.push('an NVIDIA kernel module extension without nvidia-container-toolkit');
  const driverTier = drivers[0]?.[2] ?? 'lts';
  for (const t of toolkits) {
    const tier = t[1] ?? 'lts';
    if (drivers.length > 0 && tier !== driverTier) {
      problems.push(
        `${t[0]} (${tier}) does not match the driver tier (${driverTier}): use the same tier for both`,
      );
    }
  }
  return problems;
}

export interface NvidiaPatch {
  /** The documents of the patch, in order. */
  documents: Record<string, unknown>[];
  /** The patch as multi-document YAML, with a header saying what generated it. */
  yaml: string;
  /** Which flow of the Talos docs this follows. */
  flow: 'v1.12-modules-sysctl' | 'v1.13-modules' | 'v1.14-kernel-module-documents';
}

export function nvidiaMachineConfigPatch(
  talosVersion: string,
  options: Pick<NvidiaOptions, 'bpfJitHarden'> = {},
): NvidiaPatch {
  const version = parseTalosVersion(talosVersion);
  const legacy = !isAtLeast(version, 'v1.13.0-alpha.0');
  const sysctl = options.bpfJitHarden ?? legacy;
  let documents: Record<string, unknown>[];
  let flow: NvidiaPatch['flow'];
  if (supports(version, 'kernelModuleConfigDocuments')) {
    flow = 'v1.14-kernel-module-documents';
    documents = NVIDIA_MODULES.map((name) => ({ apiVersion: 'v1alpha1', kind: 'KernelModuleConfig', name }));
    if (sysctl) {
      documents.push({
        apiVersion: 'v1alpha1',
        kind: 'SysctlConfig',
        params: { 'net.core.bpf_jit_harden': '1' },
      });
    }
  } else {
    flow = legacy ? 'v1.12-modules-sysctl' : 'v1.13-modules';
    const machine: Record<string, unknown> = {
      kernel: { modules: NVIDIA_MODULES.map((name) => ({ name })) },
    };
    if (sysctl) machine.sysctls = { 'net.core.bpf_jit_harden': '1' };
    documents = [{ machine }];
  }
  const header = `# Generated by @infra/talos-factory nvidiaMachineConfigPatch for Talos ${version.text} (${flow}).\n`;
  const yaml = header + documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
  return { documents, yaml, flow };
}

/** The patch, validated against the schema of its Talos version (throws if the schema rejects it). */
export function validatedNvidiaPatch(
  talosVersion: string,
  options: Pick<NvidiaOptions, 'bpfJitHarden'> = {},
): NvidiaPatch {
  const patch = nvidiaMachineConfigPatch(talosVersion, options);
  const findings = patch.documents.flatMap((doc, i) =>
    validateMachineConfigDocument(doc, talosVersion, {
      file: `nvidia patch for ${talosVersion}`,
      documentIndex: i,
    }),
  );
  if (findings.length > 0) {
    throw new InfraError<TalosFactoryErrorCode>(
      'TALOS_PATCH_INVALID',
      `generated NVIDIA patch is invalid:\n${findings.map(formatFinding).join('\n')}`,
    );
  }
  return patch;
}
