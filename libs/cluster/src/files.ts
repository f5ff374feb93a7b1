import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { InfraError } from '@infra/core';
import type { ClusterErrorCode } from './error-codes';
import { isGpuPatch } from './inputs';

async function readOne(path: string, repoRoot: string, field: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new InfraError<ClusterErrorCode>(
      'CLUSTER_FILE_MISSING',
      `infra.config.yaml: ${field}: ${relative(repoRoot, path)} does not exist`,
      {
        hint: 'fix the path (relative to the repository root)',
      },
    );
  }
}

/** talos.patches split into the ones every node gets and the NVIDIA ones only GPU workers get. */
export async function readPatches(
  paths: readonly string[],
  repoRoot: string,
): Promise<{ all: string[]; gpu: string[] }> {
  const all: string[] = [];
  const gpu: string[] = [];
  for (const path of paths)
    (isGpuPatch(path) ? gpu : all).push(await readOne(path, repoRoot, 'talos.patches'));
  return { all, gpu };
}
