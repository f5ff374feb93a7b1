import { readFile } from 'node:fs/promises';
import { basename, relative } from 'node:path';
import { InfraError } from '@infra/core';
import { isGpuPatch } from './inputs';

async function readOne(path: string, repoRoot: string, field: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new InfraError(
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

/** cluster.inlineManifests files, named by their file name without extension. */
export async function readInlineManifests(
  paths: readonly string[],
  repoRoot: string,
): Promise<Array<{ name: string; contents: string }>> {
  const out: Array<{ name: string; contents: string }> = [];
  for (const path of paths)
    out.push({
      name: basename(path).replace(/\.ya?ml$/, ''),
      contents: await readOne(path, repoRoot, 'cluster.inlineManifests'),
    });
  return out;
}
