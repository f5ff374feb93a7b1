import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, waitForTask } from '../testing/client';
import { fakeQcow2, startTestSim, type TestSim } from '../testing/harness';

let t: TestSim;
let server: Server;

beforeAll(async () => {
  t = await startTestSim({ timing: { taskMs: 20, lockTimeoutMs: 150 } });
  const image = fakeQcow2(10);
  server = createServer((_req, res) => res.writeHead(200, { 'Content-Length': image.length }).end(image));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/talos.qcow2`;
  await t.api('PUT', '/storage/local', { params: { content: 'iso,vztmpl,backup,snippets,import' } });
  expect(
    (
      await t.run('POST', '/nodes/pve/storage/local/download-url', {
        content: 'import',
        url,
        filename: 'talos.qcow2',
      })
    ).exitstatus,
  ).toBe('OK');
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const config = async (vmid: number) =>
  dataOf<Record<string, unknown>>(await t.api('GET', `/nodes/pve/qemu/${vmid}/config`));
const volumes = async (storage: string) =>
  dataOf<Array<{ volid: string; size: number; vmid?: number }>>(
    await t.api('GET', `/nodes/pve/storage/${storage}/content`),
  );

const GOLDEN = {
  vmid: 9000,
  name: 'talos-golden',
  memory: 8192,
  cores: 4,
  cpu: 'host',
  machine: 'q35',
  bios: 'ovmf',
  scsihw: 'virtio-scsi-single',
  efidisk0: 'local-lvm:1,efitype=4m,pre-enrolled-keys=0',
  scsi0: 'local-lvm:0,import-from=local:import/talos.qcow2,discard=on,iothread=1',
  ide2: 'local-lvm:cloudinit',
  net0: 'virtio,bridge=vmbr0',
  serial0: 'socket',
  agent: 'enabled=1',
  ipconfig0: 'ip=dhcp',
};

describe('VM lifecycle', () => {
  it('creates a VM from an imported disk: the image becomes a disk volume in the target storage', async () => {
    const status = await t.run('POST', '/nodes/pve/qemu', GOLDEN);
    expect(status).toMatchObject({
      type: 'qmcreate',
      id: '9000',
      exitstatus: 'OK',
      user: 'root@pam',
      tokenid: 'test',
    });
    const cfg = await config(9000);
    expect(cfg).toMatchObject({
      name: 'talos-golden',
      cores: 4,
      scsi0: 'local-lvm:vm-9000-disk-0,discard=on,iothread=1,size=10G',
      efidisk0: 'local-lvm:vm-9000-disk-1,efitype=4m,pre-enrolled-keys=0,size=4M',
      ide2: 'local-lvm:vm-9000-cloudinit,media=cdrom',
      boot: 'order=scsi0;net0',
    });
    expect(cfg.net0).toMatch(/^virtio=BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2},bridge=vmbr0$/);
    expect(cfg.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(cfg.lock).toBeUndefined();
    const lvm = await volumes('local-lvm');
    expect(lvm.find((v) => v.volid === 'local-lvm:vm-9000-disk-0')).toMatchObject({
      size: 10 * 1024 ** 3,
      vmid: 9000,
    });
    const log = dataOf<Array<{ t: string }>>(
      await t.api('GET', `/nodes/pve/tasks/${encodeURIComponent(status.upid as string)}/log`),
    );
    expect(log.map((l) => l.t)).toContain(
      "scsi0: successfully created disk 'local-lvm:vm-9000-disk-0,discard=on,iothread=1,size=10G'",
    );
  });

  it('refuses a second VM with the same id, bad import syntax and non-image sources', async () => {
    const dup = await t.api('POST', '/nodes/pve/qemu', { params: { vmid: 9000 } });
    expect([dup.status, dup.body?.message]).toEqual([
      500,
      "unable to create VM 9000 - VM 9000 already exists on node 'pve'\n",
    ]);
    const syntax = await t.api('POST', '/nodes/pve/qemu', {
      params: { vmid: 9001, scsi0: 'local-lvm:32,import-from=local:import/talos.qcow2' },
    });
    expect(syntax.body?.errors).toEqual({
      scsi0: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>",
    });
    const iso = await t.api('POST', '/nodes/pve/qemu', {
      params: { vmid: 9001, virtio0: 'local-lvm:0,import-from=local:iso/x.img' },
    });
    expect(iso.body?.errors).toEqual({
      virtio0: "local:iso/x.img has wrong type 'iso' - needs to be 'images' or 'import'",
    });
    const missing = await t.run('POST', '/nodes/pve/qemu', {
      vmid: 9001,
      scsi0: 'local-lvm:0,import-from=local:import/none.qcow2',
    });
    expect(missing.exitstatus).toBe("volume 'local:import/none.qcow2' does not exist");
    expect((await t.api('GET', '/nodes/pve/qemu/9001/config')).status).toBe(500);
  });

  it('never creates the same VM twice when creates race', async () => {
    const replies = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.api('POST', '/nodes/pve/qemu', { params: { vmid: 950, scsi0: 'local-lvm:1' } }),
      ),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of replies.filter((x) => x.status !== 200))
      expect(r.body?.message).toMatch(
        /^unable to create VM 950 - (VM 950 already exists on node 'pve'|can't lock file .* - got timeout)\n$/,
      );
    await t.sim.idle();
    expect((await volumes('local-lvm')).filter((v) => v.vmid === 950)).toHaveLength(1);
  });

  it('updates the config with digest checks, and moves replaced disks to unused', async () => {
    const { digest } = await config(9000);
    expect(
      (
        await t.api('PUT', '/nodes/pve/qemu/9000/config', {
          params: {
            digest,
            description: 'golden',
            tags: 'talos',
            sshkeys: encodeURIComponent('ssh-ed25519 AAAAC3 me@host'),
          },
        })
      ).status,
    ).toBe(200);
    const stale = await t.api('PUT', '/nodes/pve/qemu/9000/config', { params: { digest, cores: 8 } });
    expect(stale.body?.message).toBe(
      'detected modified configuration - file changed by other user? Try again.\n',
    );
    const task = await t.run('POST', '/nodes/pve/qemu/9000/config', { scsi1: 'local-lvm:2' });
    expect(task).toMatchObject({ type: 'qmconfig', exitstatus: 'OK' });
    await t.api('PUT', '/nodes/pve/qemu/9000/config', { params: { delete: 'scsi1,tags' } });
    const cfg = await config(9000);
    expect(cfg).toMatchObject({ description: 'golden', unused0: 'local-lvm:vm-9000-disk-2' });
    expect(cfg.tags).toBeUndefined();
    await t.api('PUT', '/nodes/pve/qemu/9000/config', { params: { delete: 'unused0' } });
    expect((await volumes('local-lvm')).map((v) => v.volid)).not.toContain('local-lvm:vm-9000-disk-2');
  });

  it('converts to a template (base volumes) and refuses to do it twice', async () => {
    expect((await t.run('POST', '/nodes/pve/qemu/9000/template')).exitstatus).toBe('OK');
    const cfg = await config(9000);
    expect(cfg).toMatchObject({
      template: 1,
      scsi0: 'local-lvm:base-9000-disk-0,discard=on,iothread=1,size=10G',
    });
    expect((await t.run('POST', '/nodes/pve/qemu/9000/template')).exitstatus).toBe(
      "you can't convert a template to a template",
    );
    const start = await t.api('POST', '/nodes/pve/qemu/9000/status/start');
    expect(start.body?.message).toBe("you can't start a vm if it's a template\n");
  });

  it('clones a template linked by default, full on request, with new MACs', async () => {
    const linked = await t.run('POST', '/nodes/pve/qemu/9000/clone', { newid: 101, name: 'cp-1' });
    expect(linked).toMatchObject({ type: 'qmclone', id: '9000', exitstatus: 'OK' });
    const cfg = await config(101);
    expect(cfg).toMatchObject({
      name: 'cp-1',
      scsi0: 'local-lvm:base-9000-disk-0/vm-101-disk-0,discard=on,iothread=1,size=10G',
      ide2: 'local-lvm:vm-101-cloudinit,media=cdrom',
    });
    expect(cfg.template).toBeUndefined();
    expect(cfg.net0).not.toBe((await config(9000)).net0);
    const notLinked = await t.api('POST', '/nodes/pve/qemu/9000/clone', {
      params: { newid: 102, storage: 'local-lvm' },
    });
    expect(notLinked.body?.message).toBe("parameter 'storage' not allowed for linked clones\n");
    expect(
      (await t.run('POST', '/nodes/pve/qemu/9000/clone', { newid: 102, full: 1, storage: 'local-lvm' }))
        .exitstatus,
    ).toBe('OK');
    expect((await config(102)).scsi0).toBe('local-lvm:vm-102-disk-0,discard=on,iothread=1,size=10G');
    const again = await t.api('POST', '/nodes/pve/qemu/9000/clone', { params: { newid: 101 } });
    expect(again.body?.message).toBe('unable to create VM 101: config file already exists\n');
    const destroyBase = await t.api('DELETE', '/nodes/pve/qemu/9000');
    expect(destroyBase.body?.message).toBe(
      "base volume 'local-lvm:base-9000-disk-0' is still in use by linked cloned\n",
    );
  });

  it('shows the lock while a clone runs and times out concurrent lockers with PVE’s message', async () => {
    t.sim.timing.taskMs = 600;
    const started = await t.api('POST', '/nodes/pve/qemu/9000/clone', { params: { newid: 103 } });
    const upid = dataOf<string>(started);
    expect((await config(103)).lock).toBe('clone');
    // While the clone task holds lock-103.conf, a config change waits up to the lock time-out and fails.
    const blocked = await t.api('PUT', '/nodes/pve/qemu/103/config', { params: { cores: 2 } });
    expect([blocked.status, blocked.body?.message]).toEqual([
      500,
      "can't lock file '/var/lock/qemu-server/lock-103.conf' - got timeout\n",
    ]);
    t.sim.timing.taskMs = 20;
    await waitForTask(t.sim, t.root, upid);
    expect((await config(103)).lock).toBeUndefined();
    expect((await t.api('PUT', '/nodes/pve/qemu/103/config', { params: { cores: 2 } })).status).toBe(200);
  });

  it('fails an injected lock time-out on create with the create prefix, and creates nothing', async () => {
    t.sim.faults.add({ kind: 'lock-timeout', method: 'POST', path: '/nodes/*/qemu', times: 1 });
    const res = await t.api('POST', '/nodes/pve/qemu', { params: { vmid: 500 } });
    expect([res.status, res.body?.message]).toEqual([
      500,
      "unable to create VM 500 - can't lock file '/var/lock/qemu-server/lock-500.conf' - got timeout\n",
    ]);
    expect((await t.api('GET', '/nodes/pve/qemu/500/config')).status).toBe(500);
    expect((await t.run('POST', '/nodes/pve/qemu', { vmid: 500 })).exitstatus).toBe('OK');
  });

  it('ends a task with an injected failure: error exit status, log lines, and the half-made VM rolled back', async () => {
    t.sim.faults.add({
      kind: 'task-failure',
      taskType: 'qmclone',
      message: "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      log: ['create full clone of drive scsi0 (local-lvm:vm-500-disk-0)'],
      times: 1,
    });
    const status = await t.run('POST', '/nodes/pve/qemu/500/clone', { newid: 501 });
    expect(status.exitstatus).toBe(
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    );
    const log = dataOf<Array<{ n: number; t: string }>>(
      await t.api('GET', `/nodes/pve/tasks/${encodeURIComponent(status.upid as string)}/log`),
    );
    expect(log).toEqual([
      { n: 1, t: 'create full clone of drive scsi0 (local-lvm:vm-500-disk-0)' },
      { n: 2, t: `TASK ERROR: ${status.exitstatus}` },
    ]);
    expect((await t.api('GET', '/nodes/pve/qemu/501/config')).status).toBe(500);
  });

  it('starts, reports status and guest-agent interfaces, stops and destroys', async () => {
    expect((await t.run('POST', '/nodes/pve/qemu/101/status/start')).exitstatus).toBe('OK');
    const current = dataOf<Record<string, unknown>>(await t.api('GET', '/nodes/pve/qemu/101/status/current'));
    expect(current).toMatchObject({ status: 'running', qmpstatus: 'running', agent: 1, name: 'cp-1' });
    const early = await t.api('GET', '/nodes/pve/qemu/101/agent/network-get-interfaces');
    expect(early.body?.message).toBe('QEMU guest agent is not running\n');
    const running = await t.api('DELETE', '/nodes/pve/qemu/101');
    expect(running.body?.message).toBe('VM 101 is running - destroy failed\n');
    expect((await t.run('POST', '/nodes/pve/qemu/101/status/stop')).exitstatus).toBe('OK');
    expect((await t.run('DELETE', '/nodes/pve/qemu/101')).exitstatus).toBe('OK');
    expect((await volumes('local-lvm')).filter((v) => v.vmid === 101)).toEqual([]);
  });

  it('lists VMs in /cluster/resources and hides stats of brand-new guests (RRD lag)', async () => {
    const items = dataOf<Array<Record<string, unknown>>>(
      await t.api('GET', '/cluster/resources', { params: { type: 'vm' } }),
    );
    expect(items.find((i) => i.vmid === 9000)).toMatchObject({
      id: 'qemu/9000',
      type: 'qemu',
      template: 1,
      status: 'stopped',
      name: 'talos-golden',
    });
    t.sim.timing.rrdLagMs = 60_000;
    await t.run('POST', '/nodes/pve/qemu', { vmid: 600, name: 'fresh' });
    const fresh = dataOf<Array<Record<string, unknown>>>(
      await t.api('GET', '/cluster/resources', { params: { type: 'vm' } }),
    );
    expect(fresh.find((i) => i.vmid === 600)).toEqual({
      id: 'qemu/600',
      vmid: 600,
      node: 'pve',
      type: 'qemu',
      status: 'unknown',
    });
    t.sim.timing.rrdLagMs = 0;
  });
});
