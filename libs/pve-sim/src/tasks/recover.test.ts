import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestSim } from '../testing/harness';
import { recoverInterruptedTasks } from './recover';

// A simulator process killed mid-task (the embedded one dies with the build it serves) must come back the
// way a Proxmox node does: the task stopped, the lock its worker held released, the VM as it was.
describe('recoverInterruptedTasks', () => {
  it('stops running tasks and releases worker locks; the VM keeps its config; other locks stay', async () => {
    const t = await startTestSim();
    const state = t.sim.state;
    await t.close();
    state.tasks.push({
      upid: 'UPID:pve:00001000:00000001:6930A000:qmcreate:9000:root@pam!test:',
      node: 'pve',
      pid: 4096,
      pstart: 1,
      starttime: 1_700_000_000,
      type: 'qmcreate',
      id: '9000',
      user: 'root@pam!test',
      status: 'running',
      log: [],
    });
    const vm = (config: Record<string, string>) => ({
      node: 'pve',
      config,
      snapshots: [],
      running: false,
      createdAt: 0,
    });
    state.vms['9000'] = vm({ lock: 'create', name: 'talos-x', tags: 'infra;infra-building' });
    state.vms['9001'] = vm({ lock: 'backup', name: 'someone' });
    expect(recoverInterruptedTasks(state, 1_700_000_100_000)).toEqual([9000]);
    expect(state.vms['9000']?.config).toEqual({ name: 'talos-x', tags: 'infra;infra-building' });
    expect(state.vms['9001']?.config.lock).toBe('backup');
    expect(state.tasks.at(-1)).toMatchObject({
      status: 'stopped',
      exitstatus: 'unexpected status',
      endtime: 1_700_000_100,
    });
    expect(recoverInterruptedTasks(state)).toEqual([]); // nothing was interrupted this time
  });

  it('runs when a simulator starts on a state whose last process died mid-task', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pve-sim-recover-'));
    const first = await startTestSim({ stateDir: dir });
    const created = await first.api('POST', '/nodes/pve/qemu', { params: { vmid: 9000, name: 'half' } });
    expect(created.status).toBe(200);
    await first.sim.idle();
    // What a kill leaves on disk: the task still running, the VM still locked by its worker.
    first.sim.state.tasks.at(-1)!.status = 'running';
    first.sim.state.vms['9000']!.config.lock = 'create';
    await first.close(); // saves that state as it is
    const second = await startTestSim({ stateDir: dir });
    try {
      const config = await second.api('GET', '/nodes/pve/qemu/9000/config');
      expect(config.status).toBe(200);
      expect(config.body?.data).toMatchObject({ name: 'half' });
      expect(config.body?.data).not.toHaveProperty('lock');
      expect(second.sim.state.tasks.at(-1)).toMatchObject({
        status: 'stopped',
        exitstatus: 'unexpected status',
      });
    } finally {
      await second.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
