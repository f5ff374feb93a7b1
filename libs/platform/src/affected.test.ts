import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `nx affected -t validate` on this workspace (the real inferred projects and inputs, not a fixture): what a
 * change to a platform file re-validates. Task mode (NX_LEGACY_AFFECTED=false), as the pre-commit hook runs it.
 * `secrets` is in every set: its leak scan reads every file of the repository.
 */
const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'platform-affected-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function affected(file: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    join(REPO_ROOT, 'node_modules', '.bin', 'nx'),
    ['show', 'projects', '--affected', `--files=${file}`, '-t', 'validate', '--json'],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        NX_DAEMON: 'false',
        NX_LEGACY_AFFECTED: 'false',
        NX_WORKSPACE_DATA_DIRECTORY: dataDir,
        NX_NO_CLOUD: 'true',
      },
    },
  );
  return (JSON.parse(stdout.slice(stdout.indexOf('['))) as string[]).sort();
}

const GPU_COMPONENTS = ['flux', 'gpu-smoke', 'jellyfin', 'nvidia-device-plugin', 'nvidia-runtime', 'ollama'];

describe('nx affected -t validate for platform changes (this workspace)', () => {
  it('the device-plugin values: only that component and the machine config that carries it', async () => {
    expect(await affected('kubernetes/nvidia-device-plugin/values.yaml')).toEqual([
      'k8s-nvidia-device-plugin',
      'secrets',
      'talos-config',
    ]);
  }, 120_000);

  it("an app's encrypted secret: the app and the Flux Kustomizations that deliver it", async () => {
    expect(await affected('kubernetes/ollama/identity.enc.yaml')).toEqual([
      'k8s-flux',
      'k8s-ollama',
      'secrets',
    ]);
  }, 120_000);

  it('the GPU node label and taint: every component checked against them, and the Talos config and image', async () => {
    expect(await affected('talos/patches/nvidia-gpu-node.yaml')).toEqual(
      [...GPU_COMPONENTS.map((c) => `k8s-${c}`), 'secrets', 'talos', 'talos-config'].sort(),
    );
  }, 120_000);
});
