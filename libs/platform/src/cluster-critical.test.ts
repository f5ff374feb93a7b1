import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { toolchainEnv } from '@infra/toolchain';
import { beforeAll, describe, expect, it } from 'vitest';
import { sourceArchivesDir } from './chart';
import { checkInlineManifests, renderClusterCritical } from './cluster-critical';

/** renderClusterCritical on the real tree with the real Helm: what the cluster stage feeds the module. */
const repoRoot = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);
let env: Record<string, string | undefined>;

beforeAll(() => {
  // The toolchain's PATH (its helm shim), as the validators and scripts run it.
  const tools = { ...process.env, ...toolchainEnv({ basePath: process.env.PATH ?? '' }) };
  env = { ...tools, INFRA_SOURCE_ARCHIVES: sourceArchivesDir(repoRoot, tools) };
  expect(env.INFRA_SOURCE_ARCHIVES, 'no source archives folder: set INFRA_SOURCE_ARCHIVES').toBeTruthy();
});

describe('renderClusterCritical', () => {
  it('gives the RuntimeClass, then the device plugin, as {name, contents} that pass their own check', async () => {
    const manifests = await renderClusterCritical({
      repoRoot,
      environment: 'local',
      env,
      run: async (tool, args) => {
        try {
          const { stdout, stderr } = await run(tool, args, {
            env: env as NodeJS.ProcessEnv,
            maxBuffer: 16 << 20,
          });
          return { exitCode: 0, stdout, stderr };
        } catch (error) {
          const failed = error as { code?: number | string; stdout?: string; stderr?: string };
          if (failed.code === 'ENOENT') throw new Error(`${tool} is not installed: run ./infra setup`);
          return {
            exitCode: Number(failed.code ?? 1),
            stdout: failed.stdout ?? '',
            stderr: failed.stderr ?? '',
          };
        }
      },
    });
    expect(manifests.map((m) => m.name)).toEqual(['nvidia-runtime', 'nvidia-device-plugin']);
    expect(manifests[0]!.contents).toContain('handler: nvidia');
    expect(manifests[1]!.contents).toMatch(/kind: Namespace[\s\S]*kind: DaemonSet/);
    expect(checkInlineManifests(manifests, manifests)).toEqual([]);
  }, 60_000);
});
