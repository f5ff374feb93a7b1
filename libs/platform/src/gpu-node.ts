import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError } from '@infra/core';
import { parse } from 'yaml';
import { z } from 'zod';
import type { PlatformErrorCode } from './errors';

/**
 * The Talos patch the talos-cluster module applies to GPU workers: the one place the GPU node's label and taint
 * are defined. Everything here reads them from it instead of repeating the strings.
 */
export const GPU_NODE_PATCH = 'talos/patches/nvidia-gpu-node.yaml';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export interface Taint {
  key: string;
  value?: string;
  effect: (typeof TAINT_EFFECTS)[number];
}

export interface GpuNode {
  labels: Record<string, string>;
  taints: Taint[];
}

const patchSchema = z.object({
  machine: z.object({
    nodeLabels: z.record(z.string(), z.string()).default({}),
    kubelet: z
      .object({ extraArgs: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}) })
      .default({ extraArgs: {} }),
  }),
});

/** kubelet `--register-with-taints` syntax: `key[=value]:Effect`, comma-separated. */
export function parseRegisterWithTaints(value: string): Taint[] | string {
  const taints: Taint[] = [];
  for (const item of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(item);
    const effect = match?.[3] as Taint['effect'] | undefined;
    if (!match || !effect || !TAINT_EFFECTS.includes(effect)) {
      return `"${item}" is not key[=value]:Effect with Effect one of ${TAINT_EFFECTS.join(', ')}`;
    }
    taints.push({ key: match[1]!, ...(match[2] !== undefined ? { value: match[2] } : {}), effect });
  }
  return taints;
}

/** The GPU node's labels and taints from the patch text (pure). */
export function gpuNodeFromPatch(text: string, file = GPU_NODE_PATCH): GpuNode {
  const fail = (message: string) =>
    new InfraError<PlatformErrorCode>('PLATFORM_GPU_NODE_INVALID', `${file}: ${message}`, {
      hint: 'machine.nodeLabels holds the GPU label; machine.kubelet.extraArgs.register-with-taints the taint (key=value:NoSchedule)',
    });
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw fail(`not valid YAML: ${(error as Error).message}`);
  }
  const parsed = patchSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail(`${issue.path.join('.')}: ${issue.message}`);
  }
  const { nodeLabels, kubelet } = parsed.data.machine;
  const arg = kubelet.extraArgs['register-with-taints'];
  const taints = arg === undefined ? [] : parseRegisterWithTaints(Array.isArray(arg) ? arg.join(',') : arg);
  if (typeof taints === 'string') throw fail(`machine.kubelet.extraArgs.register-with-taints: ${taints}`);
  if (Object.keys(nodeLabels).length === 0) throw fail('machine.nodeLabels: expected the GPU node label');
  return { labels: nodeLabels, taints };
}

export async function loadGpuNode(repoRoot: string): Promise<GpuNode> {
  let text: string;
  try {
    text = await readFile(join(repoRoot, GPU_NODE_PATCH), 'utf8');
  } catch {
    throw new InfraError<PlatformErrorCode>('PLATFORM_GPU_NODE_INVALID', `${GPU_NODE_PATCH} does not exist`, {
      hint: 'it defines the GPU worker label and taint that the cluster module applies and the workloads tolerate',
    });
  }
  return gpuNodeFromPatch(text);
}
