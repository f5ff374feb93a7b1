import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildImage } from './build';
import { acquireBuildLock, BUILD_LOCK_VMID } from './build-lock';
import { type Harness, startHarness } from './testing/harness';

// Issue 10 item 3: one build at a time per cluster, with the lock in the cluster's own state.
let h: Harness;
beforeEach(async () => {
  h = await startHarness({ taskMs: 30 });
});
afterEach(() => h.stop());

const lockVm = () => h.sim.state.vms[String(BUILD_LOCK_VMID)];
const FAST = { staleMs: 400, pollMs: 50 };

describe('the build lock (a VM created with one atomic POST)', () => {
  it('two builds at once: one builds, the other waits and finds the template; one template, no lock left', async () => {
    const [a, b] = await Promise.all([
      buildImage(h.env, 'talos', { connection: h.connection, lock: FAST }),
      buildImage(h.env, 'talos', { connection: h.connection, lock: FAST }),
    ]);
    expect([a.status, b.status].sort()).toEqual(['built', 'up-to-date']);
    expect(a.vmid).toBe(b.vmid);
    const vms = await h.client.listVms('pve');
    expect(vms.map((v) => [v.vmid, Boolean(v.template)])).toEqual([[a.vmid, true]]);
    expect(lockVm()).toBeUndefined();
  });

  it('holds while the holder heartbeats; a second run times out with BUILD_LOCK_TIMEOUT', async () => {
    const held = await acquireBuildLock(h.client, { node: 'pve', run: { id: 'aaaaaaaaaaaa' }, ...FAST });
    expect(JSON.parse(String(lockVm()?.description))).toMatchObject({ runId: 'aaaaaaaaaaaa' });
    const waits: string[] = [];
    await expect(
      acquireBuildLock(h.client, {
        node: 'pve',
        run: { id: 'bbbbbbbbbbbb' },
        ...FAST,
        waitMs: 1500, // well past staleMs: only the heartbeat keeps the lock
        onWait: (holder) => waits.push(holder?.runId ?? '?'),
      }),
    ).rejects.toMatchObject({ code: 'BUILD_LOCK_TIMEOUT' });
    expect(waits).toEqual(['aaaaaaaaaaaa']);
    expect(held.lost.aborted).toBe(false);
    await held.release();
    expect(lockVm()).toBeUndefined();
  });

  it('a crashed holder (no heartbeat) is taken over after staleMs, by exactly one of two waiters', async () => {
    await h.client.createVm('pve', {
      vmid: BUILD_LOCK_VMID,
      name: 'infra-build-lock',
      tags: 'infra;infra-lock',
      description: JSON.stringify({ managedBy: 'infra build lock', runId: 'deaddeaddead', heartbeat: 3 }),
    });
    const started = performance.now();
    const take = (id: string) =>
      acquireBuildLock(h.client, { node: 'pve', run: { id }, ...FAST, waitMs: 5000 }).then((lock) => ({
        id,
        lock,
      }));
    const waiters = [take('cccccccccccc'), take('dddddddddddd')];
    const first = await Promise.race(waiters);
    expect(first.lock.tookOver).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(FAST.staleMs);
    expect(JSON.parse(String(lockVm()?.description))).toMatchObject({ runId: first.id });
    await first.lock.release();
    // the other one was not let in by the takeover; it gets the lock normally once it is free
    const second = await waiters[first.id === 'cccccccccccc' ? 1 : 0]!;
    expect(second.lock.tookOver).toBe(false);
    await second.lock.release();
    expect(lockVm()).toBeUndefined();
  });

  it('a holder on this machine whose process is gone is taken over at once, without waiting out staleMs', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid; // exited: its pid names no process now
    await h.client.createVm('pve', {
      vmid: BUILD_LOCK_VMID,
      name: 'infra-build-lock',
      tags: 'infra;infra-lock',
      description: JSON.stringify({
        managedBy: 'infra build lock',
        runId: 'deaddeaddead',
        host: hostname(),
        pid: dead,
      }),
    });
    const started = performance.now();
    const lock = await acquireBuildLock(h.client, {
      node: 'pve',
      run: { id: '222222222222' },
      staleMs: 60_000,
      pollMs: 50,
      waitMs: 5000,
    });
    expect(lock.tookOver).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
    await lock.release();
  });

  it('a VM at the lock VMID that is not a build lock is never touched', async () => {
    await h.client.createVm('pve', { vmid: BUILD_LOCK_VMID, name: 'my-vm' });
    await expect(
      acquireBuildLock(h.client, { node: 'pve', run: { id: 'eeeeeeeeeeee' }, ...FAST }),
    ).rejects.toMatchObject({ code: 'BUILD_LOCK_VMID_TAKEN' });
    expect(lockVm()?.config.name).toBe('my-vm');
  });

  it('a holder whose lock was taken over learns it (lost) and its release leaves the new holder alone', async () => {
    const held = await acquireBuildLock(h.client, { node: 'pve', run: { id: 'ffffffffffff' }, ...FAST });
    const digest = String(((await h.client.vmConfig('pve', BUILD_LOCK_VMID)) as { digest?: string }).digest);
    await h.client.updateVmConfig('pve', BUILD_LOCK_VMID, {
      description: JSON.stringify({ managedBy: 'infra build lock', runId: '111111111111', heartbeat: 0 }),
      digest,
    });
    await new Promise((r) => setTimeout(r, FAST.staleMs));
    expect(held.lost.aborted).toBe(true);
    expect(held.lost.reason).toMatchObject({ code: 'BUILD_LOCK_LOST' });
    await held.release();
    expect(JSON.parse(String(lockVm()?.description))).toMatchObject({ runId: '111111111111' });
  });
});
