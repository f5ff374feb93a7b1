import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimulator } from './simulator';
import { dataOf, simRequest, waitForTask } from './testing/client';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('persistence', () => {
  it('keeps VMs, tasks, tokens, mappings and the certificate across restarts, and reset clears them', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'pve-sim-persist-'));
    dirs.push(stateDir);
    const first = await startSimulator({ stateDir, timing: { taskMs: 10 } });
    const { header } = await first.issueToken('root@pam!persist');
    const created = await simRequest(first, 'POST', '/nodes/pve/qemu', {
      auth: header,
      params: { vmid: 900, name: 'keep-me', scsi0: 'local-lvm:4' },
    });
    const upid = dataOf<string>(created);
    await waitForTask(first, header, upid);
    await simRequest(first, 'POST', '/cluster/mapping/pci', {
      auth: header,
      params: { id: 'gpu', map: 'node=pve,path=0000:01:00,id=10de:27b2' },
    });
    const fingerprint = first.fingerprint;
    await first.stop();
    await expect(readFile(join(stateDir, 'sim.json'))).rejects.toThrow();

    const second = await startSimulator({ stateDir, timing: { taskMs: 10 } });
    expect(second.fingerprint).toBe(fingerprint);
    expect(second.url).not.toBe('');
    const config = dataOf<Record<string, unknown>>(
      await simRequest(second, 'GET', '/nodes/pve/qemu/900/config', { auth: header }),
    );
    expect(config).toMatchObject({ name: 'keep-me', scsi0: 'local-lvm:vm-900-disk-0,size=4G' });
    const status = dataOf<Record<string, unknown>>(
      await simRequest(second, 'GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`, {
        auth: header,
      }),
    );
    expect(status).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
    expect(
      dataOf<unknown[]>(await simRequest(second, 'GET', '/cluster/mapping/pci', { auth: header })),
    ).toHaveLength(1);
    // The next free id accounts for the persisted VM; the volume is still allocated.
    const volumes = dataOf<Array<{ volid: string }>>(
      await simRequest(second, 'GET', '/nodes/pve/storage/local-lvm/content', { auth: header }),
    );
    expect(volumes.map((v) => v.volid)).toEqual(['local-lvm:vm-900-disk-0']);

    await second.reset();
    expect((await simRequest(second, 'GET', '/version', { auth: header })).status).toBe(401);
    const fresh = await second.issueToken('root@pam!persist');
    expect(
      (await simRequest(second, 'GET', '/nodes/pve/qemu/900/config', { auth: fresh.header })).status,
    ).toBe(500);
    await second.stop();
  });

  it('marks tasks that were running when the process died as failed with "unexpected status"', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'pve-sim-persist-'));
    dirs.push(stateDir);
    const first = await startSimulator({ stateDir, timing: { taskMs: 10 } });
    const { header } = await first.issueToken('root@pam!crash');
    await first.stop();
    const file = join(stateDir, 'state.json');
    const state = JSON.parse(await readFile(file, 'utf8'));
    state.tasks.push({
      upid: 'UPID:pve:00000010:00000010:68000000:qmclone:9000:root@pam!crash:',
      node: 'pve',
      pid: 16,
      pstart: 16,
      starttime: 0x68000000,
      type: 'qmclone',
      id: '9000',
      user: 'root@pam!crash',
      status: 'running',
      log: ['create linked clone of drive scsi0'],
    });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, JSON.stringify(state));
    const second = await startSimulator({ stateDir });
    const status = dataOf<Record<string, unknown>>(
      await simRequest(second, 'GET', `/nodes/pve/tasks/${encodeURIComponent(state.tasks[0].upid)}/status`, {
        auth: header,
      }),
    );
    expect(status).toMatchObject({
      status: 'stopped',
      exitstatus: 'unexpected status',
      user: 'root@pam',
      tokenid: 'crash',
    });
    await second.stop();
  });

  it('refuses a second live simulator on the same state directory', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'pve-sim-persist-'));
    dirs.push(stateDir);
    const first = await startSimulator({ stateDir });
    const info = JSON.parse(await readFile(join(stateDir, 'sim.json'), 'utf8'));
    // Pretend another process (our parent, which is alive) holds it.
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(stateDir, 'sim.json'), JSON.stringify({ ...info, pid: process.ppid }));
    await expect(startSimulator({ stateDir })).rejects.toMatchObject({ code: 'SIM_ALREADY_RUNNING' });
    await first.stop();
  });
});
