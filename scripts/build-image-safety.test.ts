import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 10 items 3-4 with real, separate processes: `scripts/build-image.ts --os talos -e local` in a copy of
 * the repository's config, against a simulator started with `scripts/sim.ts start --detach` (or the embedded
 * one, which dies with the process). The simulator's state file is the ground truth.
 */
const repoRoot = resolve(import.meta.dirname, '..');
// node with tsx's loader, not the tsx CLI: that one runs the script in a child, and kill -9 must hit the build.
const tsxLoader = import.meta.resolve('tsx');
const LOCK_VMID = '999999999';
const WAIT_MS = 60_000;

interface SimState {
  vms: Record<string, { config: Record<string, string> }>;
  volumes: Record<string, { vtype: string }>;
  tasks: Array<{ type: string; id: string; status: string; exitstatus?: string }>;
}

async function workspace() {
  const dir = await mkdtemp(join(tmpdir(), 'build-image-safety-'));
  for (const path of ['infra.config.yaml', '.sops.yaml', 'secrets', 'talos'])
    await cp(join(repoRoot, path), join(dir, path), { recursive: true });
  const env = { PATH: process.env.PATH, HOME: join(dir, 'home'), NO_COLOR: '1' };
  const stateDir = join(dir, '.infra', 'sim');
  const script = (name: string, args: string[], extra: Record<string, string> = {}) =>
    execa(process.execPath, ['--import', tsxLoader, join(repoRoot, 'scripts', name), ...args], {
      cwd: dir,
      env: { ...env, ...extra },
      extendEnv: false,
      reject: false,
      timeout: 180_000,
    });
  const state = async (): Promise<SimState> =>
    JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as SimState;
  /** Polls the simulator's state file (bounded) until `ready` holds. */
  const until = async (ready: (s: SimState) => boolean, what: string) => {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const current = await state().catch(() => undefined);
      if (current && ready(current)) return current;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { dir, stateDir, script, state, until };
}

type Workspace = Awaited<ReturnType<typeof workspace>>;
const build = (w: Workspace, extra?: Record<string, string>) =>
  w.script('build-image.ts', ['--os', 'talos', '-e', 'local', '--json'], extra);
const exited = async (
  child: PromiseLike<{ exitCode?: number | undefined; stdout: unknown; stderr: unknown }>,
) => {
  const result = await child;
  return { code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
};
const vmids = (s: SimState) => Object.keys(s.vms).sort();

describe('against one detached simulator', () => {
  let w: Workspace;
  beforeAll(async () => {
    w = await workspace();
    // Slow tasks, so that a build takes seconds and the other process arrives while it runs.
    const started = await w.script('sim.ts', [
      'start',
      '--detach',
      '--port',
      '0',
      '--task-ms',
      '500',
      // The first build's resize waits 8 s, so the second process surely arrives while it holds the lock.
      '--faults',
      JSON.stringify([
        { kind: 'latency', ms: 8000, method: 'PUT', path: '/nodes/*/qemu/*/resize', times: 1 },
      ]),
      '--state-dir',
      w.stateDir,
      '--json',
    ]);
    expect(started.exitCode, started.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await w.script('sim.ts', ['stop', '--state-dir', w.stateDir]);
    await rm(w.dir, { recursive: true, force: true });
  });

  it('two build-image processes at once: one builds, the other waits for the lock and finds the template', async () => {
    const first = build(w);
    // The second starts once the first holds the build lock (the lock VM exists), so it must wait.
    await w.until((s) => s.vms[LOCK_VMID] !== undefined, 'the first build to take the lock');
    const second = build(w);
    const [a, b] = await Promise.all([exited(first), exited(second)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ status: 'built', vmid: 9000 });
    expect(JSON.parse(b.stdout)).toMatchObject({ status: 'up-to-date', vmid: 9000 });
    expect(b.stderr).toMatch(/waiting for the build lock: build run [0-9a-f]{12}/);
    const s = await w.until((x) => x.vms[LOCK_VMID] === undefined, 'the lock to be released');
    expect(vmids(s)).toEqual(['9000']);
    expect(s.vms['9000']?.config.template).toBe('1');
  }, 240_000);

  it('SIGINT mid-build: the running task is stopped, the partial VM and the download are removed, exit 130', async () => {
    // Template 9000 removed, so the next build makes it again (the image volume from the first test stays).
    await rmTemplate(w);
    const before = await w.state();
    const volumesBefore = Object.keys(before.volumes).filter((v) => before.volumes[v]?.vtype === 'import');
    expect(volumesBefore).toHaveLength(1);
    const building = build(w);
    await w.until(
      (s) => s.tasks.some((t) => t.type === 'qmcreate' && t.id === '9000' && t.status === 'running'),
      'the create task of the second build',
    );
    building.kill('SIGINT');
    const result = await exited(building);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/SIGINT: stopping/);
    // the stopped create task rolls its VM back; cleanup then finds it gone, and says what it did
    expect(result.stderr).toMatch(/stopping task UPID:[^ ]*:qmcreate:9000:/);
    expect(result.stderr).toMatch(/cleaned up: VM 9000 \(already gone\)/);
    const s = await w.until((x) => x.vms[LOCK_VMID] === undefined, 'the lock to be released');
    expect(vmids(s)).toEqual([]);
    expect(s.tasks.filter((t) => t.status === 'running')).toEqual([]);
    // the image volume was already there before this run (the first test downloaded it): it is kept
    const volumes = Object.keys(s.volumes).filter((v) => s.volumes[v]?.vtype === 'import');
    expect(volumes).toEqual(volumesBefore);
  }, 240_000);
});

/** Removes the template built by the first test through the simulator's own API (scripts/sim.ts token). */
async function rmTemplate(w: Workspace) {
  const token = JSON.parse(
    String((await w.script('sim.ts', ['token', '--state-dir', w.stateDir, '--json'])).stdout),
  ) as {
    header: string;
  };
  const info = JSON.parse(await readFile(join(w.stateDir, 'sim.json'), 'utf8')) as { url: string };
  const { simRequest } = await import('@infra/pve-sim');
  const caPem = await readFile(join(w.stateDir, 'tls', 'pve-root-ca.pem'), 'utf8');
  const res = await simRequest({ url: info.url, caPem }, 'DELETE', '/nodes/pve/qemu/9000', {
    auth: token.header,
    params: { purge: 1 },
  });
  expect(res.status).toBe(200);
  await w.until((s) => s.vms['9000'] === undefined, 'template 9000 to be removed');
}

describe('the embedded simulator, killed with its build (kill -9)', () => {
  let w: Workspace;
  beforeAll(async () => {
    w = await workspace();
  });
  afterAll(() => rm(w.dir, { recursive: true, force: true }));

  it('the next run recovers: lock released, the killed run’s VM removed by its markers, one template built', async () => {
    // Hold the build at the resize request, after the create: the VM exists with this run's markers.
    const slow = JSON.stringify([
      { kind: 'latency', ms: 60_000, method: 'PUT', path: '/nodes/*/qemu/*/resize' },
    ]);
    const killed = build(w, { INFRA_SIM_FAULTS: slow });
    const atResize = await w.until(
      (s) =>
        s.vms['9000']?.config.tags?.includes('infra-building') === true && s.vms[LOCK_VMID] !== undefined,
      'the killed build to create its VM',
    );
    killed.kill('SIGKILL');
    await killed;
    expect(atResize.vms['9000']?.config.tags).toMatch(/infra-run-[0-9a-f]{12}/);

    const next = await exited(build(w));
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout)).toMatchObject({ status: 'built', vmid: 9000 });
    expect(next.stderr).toMatch(/took over the build lock/);
    expect(next.stderr).toMatch(/remove VM 9000, left unfinished by build run [0-9a-f]{12}/);
    const s = await w.state();
    expect(vmids(s)).toEqual(['9000']);
    expect(s.vms['9000']?.config.template).toBe('1');
    expect(s.vms['9000']?.config.tags).not.toMatch(/infra-building|infra-run-/);
  }, 240_000);
});
