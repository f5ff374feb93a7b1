import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, simRequest, waitForTask } from './testing/client';
import { startTestSim, type TestSim } from './testing/harness';

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim({
    faults: [
      { kind: 'latency', ms: 120, path: '/version' },
      { kind: 'error', status: 503, method: 'GET', path: '/nodes', times: 2 },
      { kind: 'error', status: 596, path: '/cluster/resources', times: 1 },
    ],
  });
});
afterAll(() => t.close());

describe('fault injection over HTTP', () => {
  it('delays matching requests', async () => {
    const started = performance.now();
    expect((await t.api('GET', '/version')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    const quick = performance.now();
    await t.api('GET', '/cluster/nextid');
    expect(performance.now() - quick).toBeLessThan(100);
  });

  it('answers 5xx the configured number of times, in PVE’s error shape, then recovers', async () => {
    const first = await t.api('GET', '/nodes');
    expect([first.status, first.statusMessage, first.body]).toEqual([
      503,
      'Service Unavailable',
      { data: null, message: 'Service Unavailable\n' },
    ]);
    expect((await t.api('GET', '/nodes')).status).toBe(503);
    expect((await t.api('GET', '/nodes')).status).toBe(200);
    const proxy = await t.api('GET', '/cluster/resources');
    expect([proxy.status, proxy.statusMessage]).toEqual([
      596,
      'Errors during TLS negotiation, request sending and header processing: Connection timed out',
    ]);
  });

  it('resets the connection before the work (nothing happens) or after it (the work is done, the reply lost)', async () => {
    t.sim.faults.add({ kind: 'reset', when: 'before', method: 'POST', path: '/nodes/pve/qemu', times: 1 });
    await expect(t.api('POST', '/nodes/pve/qemu', { params: { vmid: 800 } })).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    expect((await t.api('GET', '/nodes/pve/qemu/800/config')).status).toBe(500);

    t.sim.faults.add({ kind: 'reset', when: 'after', method: 'POST', path: '/nodes/pve/qemu', times: 1 });
    await expect(t.api('POST', '/nodes/pve/qemu', { params: { vmid: 800 } })).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    await t.sim.idle();
    expect((await t.api('GET', '/nodes/pve/qemu/800/config')).status).toBe(200);
    // A blind retry of the create is what the fault punishes: the VM exists now.
    const retry = await t.api('POST', '/nodes/pve/qemu', { params: { vmid: 800 } });
    expect(retry.body?.message).toBe("unable to create VM 800 - VM 800 already exists on node 'pve'\n");
  });

  it('accepts rules at run time and reports how often each fired', async () => {
    t.sim.faults.clear();
    t.sim.faults.add({
      kind: 'error',
      status: 500,
      message: 'got no worker upid - try again',
      path: '/nodes/*/qemu/*/clone',
      probability: 1,
      times: 1,
    });
    const res = await t.api('POST', '/nodes/pve/qemu/800/clone', { params: { newid: 801 } });
    expect(res.body?.message).toBe('got no worker upid - try again\n');
    expect(t.sim.faults.list()).toEqual([expect.objectContaining({ kind: 'error', fired: 1 })]);
    expect(
      dataOf<string>(await t.api('POST', '/nodes/pve/qemu/800/clone', { params: { newid: 801 } })),
    ).toMatch(/^UPID:pve:/);
  });

  it('can hide a task on its first poll, as bpg expects from a busy PVE', async () => {
    const upid = dataOf<string>(await t.api('POST', '/nodes/pve/qemu', { params: { vmid: 810 } }));
    t.sim.faults.add({
      kind: 'error',
      status: 400,
      errors: { upid: 'no such task' },
      path: '/nodes/*/tasks/*/status',
      times: 1,
    });
    const first = await t.api('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`);
    expect([first.status, first.body]).toEqual([
      400,
      { data: null, message: 'Parameter verification failed.\n', errors: { upid: 'no such task' } },
    ]);
    expect((await t.api('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`)).status).toBe(200);
  });

  it('ends a task with WARNINGS: n when asked, which still counts as done', async () => {
    t.sim.faults.add({
      kind: 'task-warning',
      taskType: 'qmcreate',
      message: 'volume has no iothread support',
      count: 2,
      times: 1,
    });
    const upid = dataOf<string>(await t.api('POST', '/nodes/pve/qemu', { params: { vmid: 820 } }));
    const status = await waitForTask(t.sim, t.root, upid);
    expect(status.exitstatus).toBe('WARNINGS: 2');
    const log = dataOf<Array<{ t: string }>>(
      await t.api('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/log`),
    ).map((l) => l.t);
    expect(log).toEqual([
      'WARN: volume has no iothread support',
      'WARN: volume has no iothread support',
      'TASK WARNINGS: 2',
    ]);
    expect((await t.api('GET', '/nodes/pve/qemu/820/config')).status).toBe(200);
  });

  it('delays unauthorised answers when asked to (PVE waits 3 s)', async () => {
    t.sim.timing.authFailureDelayMs = 150;
    const started = performance.now();
    const res = await simRequest(t.sim, 'GET', '/version', { auth: 'PVEAPIToken=root@pam!test=wrong' });
    expect(res.status).toBe(401);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    t.sim.timing.authFailureDelayMs = 0;
  });
});
