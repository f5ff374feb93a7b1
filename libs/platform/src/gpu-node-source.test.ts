import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GPU_NODE_PATCH, loadGpuNode } from './gpu-node';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

/** Where a node taint could be set: IaC and manifests, and the code that builds the cluster's inputs. */
const SEARCHED = ['terraform', 'talos', 'kubernetes', 'libs/cluster/src'];
const SOURCE = /\.(tf|tfvars|hcl|ya?ml|ts)$/;
const SKIP = /(\.test\.ts|\.md)$|(^|\/)(\.terraform|node_modules)\//;
const DEFINES_TAINT = /nodeTaints\s*[=:]|register-with-taints\s*[=:]/;

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(join(REPO_ROOT, dir), { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (SKIP.test(path)) continue;
    if (entry.isDirectory()) found.push(...(await files(path)));
    else if (SOURCE.test(entry.name)) found.push(path);
  }
  return found;
}

describe('the GPU node taint has one definition', () => {
  it(`only ${GPU_NODE_PATCH} sets a node taint (the cluster module and the validator both use it)`, async () => {
    const defining: string[] = [];
    for (const dir of SEARCHED) {
      for (const file of await files(dir)) {
        const text = await readFile(join(REPO_ROOT, file), 'utf8');
        text.split('\n').forEach((line, index) => {
          if (DEFINES_TAINT.test(line.replace(/#.*$/, ''))) defining.push(`${file}:${index + 1}`);
        });
      }
    }
    expect(defining.map((at) => at.replace(/:\d+$/, ''))).toEqual([GPU_NODE_PATCH]);
  });

  it('the patch defines the taint the device plugin and the GPU apps tolerate', async () => {
    expect(await loadGpuNode(REPO_ROOT)).toEqual({
      labels: { 'nvidia.com/gpu.present': 'true' },
      taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
    });
  });
});
