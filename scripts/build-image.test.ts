import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * scripts/build-image.ts and scripts/talos.ts end to end on the `local` environment, in a copy of the
 * repository's config, talos/ and secrets/: both simulators start in-process with state in the copy's
 * .infra/sim/, credentials come from the committed demo secrets through the real sops binary.
 */
const repoRoot = resolve(import.meta.dirname, '..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');

let dir: string;
let env: NodeJS.ProcessEnv;
const MUTATING = new Set(['POST', 'PUT', 'DELETE']);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'build-image-script-'));
  for (const path of ['infra.config.yaml', '.sops.yaml', 'secrets', 'talos'])
    await cp(join(repoRoot, path), join(dir, path), { recursive: true });
  env = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    NO_COLOR: '1',
    PVE_SIM_LOG: join(dir, 'pve-requests.jsonl'),
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = (script: string, ...args: string[]) =>
  execa(tsx, [join(repoRoot, 'scripts', script), ...args], {
    cwd: dir,
    env,
    extendEnv: false,
    reject: false,
  });
const requestLog = async () =>
  (await readFile(join(dir, 'pve-requests.jsonl'), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { method: string; path: string });

describe('scripts/build-image.ts --os talos -e local', () => {
  it('builds the template on a fresh tree, then finds it on the next run with zero changing requests', async () => {
    const first = await run('build-image.ts', '--os', 'talos', '-e', 'local', '--json');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'built', vmid: 9000, node: 'pve' });
    expect(first.stderr).toMatch(/\[3\/3\] convert VM 9000 to a template/);
    const mark = (await requestLog()).length;

    const second = await run('build-image.ts', '--os', 'talos', '-e', 'local', '--json');
    expect(second.exitCode, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      status: 'up-to-date',
      vmid: 9000,
      proxmoxRequests: { mutating: 0 },
    });
    const later = (await requestLog()).slice(mark);
    expect(later.length).toBeGreaterThan(0);
    expect(later.filter((e) => MUTATING.has(e.method))).toEqual([]);

    const prune = await run('talos.ts', 'prune', '-e', 'local', '--json');
    expect(JSON.parse(prune.stdout)).toMatchObject({ applied: false, keep: [{ vmid: 9000 }], remove: [] });
  });

  it('refuses other OSes and bad flags clearly', async () => {
    const debian = await run('build-image.ts', '--os', 'debian');
    expect(debian.exitCode).toBe(1);
    expect(debian.stderr).toMatch(/BUILD_OS_UNSUPPORTED/);
    const missing = await run('build-image.ts');
    expect(missing.stderr).toMatch(/missing --os \[USAGE\]/);
  });
});

describe('scripts/talos.ts', () => {
  it('schematic-id prints the offline ID; --sort changes it only for unsorted lists', async () => {
    const id = await run('talos.ts', 'schematic-id', 'talos/schematic.yaml');
    expect(id.stdout).toMatch(/^[0-9a-f]{64}$/);
    const sorted = await run('talos.ts', 'schematic-id', 'talos/schematic.yaml', '--sort');
    expect(sorted.stdout).toBe(id.stdout);
    const missing = await run('talos.ts', 'schematic-id', 'nope.yaml');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/SCHEMATIC_NOT_FOUND/);
  });

  it('urls prints the Terraform-named URLs for the environment', async () => {
    const urls = await run('talos.ts', 'urls', '-e', 'prod', '--json');
    const value = JSON.parse(urls.stdout) as { schematicId: string; urls: Record<string, string> };
    expect(value.urls.installer).toBe(`factory.talos.dev/nocloud-installer/${value.schematicId}:v1.13.9`);
    expect(value.urls.disk_image).toBe(
      `https://factory.talos.dev/image/${value.schematicId}/v1.13.9/nocloud-amd64.raw.xz`,
    );
  });
});
