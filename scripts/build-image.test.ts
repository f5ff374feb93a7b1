import { appendFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedImage, serveCloudImage } from '../libs/template-builder/src/testing/cloud-image';

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
    expect(first.stderr).toMatch(/\[4\/5\] convert VM 9000 to a template/);
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

  it('refuses OSes the environment cannot build, and bad flags, clearly', async () => {
    // Every OS the project knows is in the catalog now, so an OS the catalog does not have stands for one.
    const unknown = await run('build-image.ts', '--os', 'freebsd');
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(
      /buildable OSes are talos, debian, ubuntu, arch, nixos, windows \[BUILD_OS_UNSUPPORTED\]/,
    );
    const missing = await run('build-image.ts');
    expect(missing.stderr).toMatch(/missing --os \[USAGE\]/);
  });
});

describe('scripts/build-image.ts --os debian', () => {
  let image: ServedImage;
  let debianDir: string;
  let debianEnv: NodeJS.ProcessEnv;
  beforeAll(async () => {
    debianDir = await mkdtemp(join(tmpdir(), 'build-image-debian-'));
    for (const path of ['infra.config.yaml', '.sops.yaml', 'secrets', 'packer/debian', 'ansible'])
      await cp(join(repoRoot, path), join(debianDir, path), { recursive: true });
    image = await serveCloudImage();
    // An embedded environment like local, but without the embedded image mirror: the cloud image comes from a
    // server of the user's own on loopback (the simulator's sandbox rule), as a real mirror would serve it.
    await appendFile(
      join(debianDir, 'infra.config.yaml'),
      [
        '',
        '  loopback:',
        '    proxmox: { endpoint: embedded }',
        '    talos: { factory: embedded }',
        '    secrets: .infra/demo/local.enc.yaml',
        '    ageKeyFile: .infra/demo/local.agekey',
        '    images:',
        '      debian:',
        `        source: { url: "${image.url}", checksum: "sha512:${image.sha512}" }`,
        '',
      ].join('\n'),
    );
    debianEnv = { ...env, HOME: join(debianDir, 'home'), PVE_SIM_LOG: join(debianDir, 'pve-requests.jsonl') };
  });
  afterAll(async () => {
    await image.stop();
    await rm(debianDir, { recursive: true, force: true });
  });
  const runDebian = (...args: string[]) =>
    execa(tsx, [join(repoRoot, 'scripts', 'build-image.ts'), '--os', 'debian', ...args], {
      cwd: debianDir,
      env: debianEnv,
      extendEnv: false,
      reject: false,
    });
  const debianLog = async () =>
    (await readFile(join(debianDir, 'pve-requests.jsonl'), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { method: string; path: string });

  it('loopback mirror: builds the base template, skips Packer with the reason, then is up to date with zero changes', async () => {
    const first = await runDebian('-e', 'loopback', '--json');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      status: 'built',
      os: 'debian',
      vmid: 9000,
      golden: { status: 'skipped', reason: expect.stringContaining('simulator runs no guests') },
    });
    expect(first.stderr).toMatch(/\[4\/5\] convert VM 9000 to a template/);
    expect(first.stderr).toMatch(/Packer stage skipped: the embedded Proxmox simulator runs no guests/);
    const mark = (await debianLog()).length;

    const second = await runDebian('-e', 'loopback');
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^up to date: debian-13-[0-9a-f]{8} \(VM 9000\)/);
    expect(second.stdout).toMatch(/golden template: not built \(Packer stage skipped/);
    const later = (await debianLog()).slice(mark);
    expect(later.length).toBeGreaterThan(0);
    expect(later.filter((e) => MUTATING.has(e.method))).toEqual([]);
    expect(image.hits).toHaveLength(1);
  });

  it('local: builds from the embedded image mirror (no SIM_LOOPBACK_ONLY any more), then changes nothing', async () => {
    const first = await runDebian('-e', 'local', '--json');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'built', os: 'debian' });
    expect(first.stderr).not.toMatch(/SIM_LOOPBACK_ONLY/);
    const mark = (await debianLog()).length;
    const second = await runDebian('-e', 'local');
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^up to date: debian-13-[0-9a-f]{8}/);
    expect((await debianLog()).slice(mark).filter((e) => MUTATING.has(e.method))).toEqual([]);
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
