import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf } from '../testing/client';
import { startTestSim, type TestSim } from '../testing/harness';

/**
 * What the bpg provider needs beyond create/clone: pools, cluster status, reboot, the agent's ping and
 * pluggable addresses, cloud-init regeneration, destroy with purge; and a three-node cluster with shared
 * storage, where a template on shared storage clones straight onto another node.
 */
let t: TestSim;
const seen: number[] = [];

beforeAll(async () => {
  t = await startTestSim({
    nodes: ['pve1', 'pve2', 'pve3'],
    timing: { taskMs: 5, agentBootMs: 0 },
    guestAddresses: (vm) => {
      seen.push(vm.vmid);
      return [{ ip: `127.0.0.${vm.vmid - 90}`, prefix: 8 }];
    },
  });
});
afterAll(async () => {
  await t.close();
});

const data = async <T>(method: string, path: string, params?: Record<string, unknown>) =>
  dataOf<T>(await t.api(method, path, params ? { params } : {}));

async function template(node: string, vmid: number, storage: string) {
  const done = await t.run('POST', `/nodes/${node}/qemu`, {
    vmid,
    name: `golden-${node}`,
    scsi0: `${storage}:2`,
    ide2: `${storage}:cloudinit`,
    net0: 'virtio,bridge=vmbr0',
    agent: 'enabled=1',
    ipconfig0: 'ip=dhcp',
    tags: 'infra;fp-abc',
  });
  expect(done.exitstatus).toBe('OK');
  expect((await t.run('POST', `/nodes/${node}/qemu/${vmid}/template`)).exitstatus).toBe('OK');
}

describe('a three-node cluster', () => {
  it('reports the cluster, its nodes and shared plus node-local storages', async () => {
    const status = await data<Array<Record<string, unknown>>>('GET', '/cluster/status');
    expect(status[0]).toMatchObject({ type: 'cluster', nodes: 3, quorate: 1 });
    expect(status.filter((s) => s.type === 'node').map((s) => [s.name, s.online, s.local])).toEqual([
      ['pve1', 1, 1],
      ['pve2', 1, 0],
      ['pve3', 1, 0],
    ]);
    const storages = await data<Array<{ id: string; shared: number }>>('GET', '/cluster/resources', {
      type: 'storage',
    });
    expect(storages.filter((s) => s.id.endsWith('/ceph-rbd')).map((s) => s.shared)).toEqual([1, 1, 1]);
    expect(storages.filter((s) => s.id.endsWith('/local-lvm')).map((s) => s.shared)).toEqual([0, 0, 0]);
  });

  it('clones a template on shared storage onto another node, but not one on node-local storage', async () => {
    await template('pve1', 9000, 'ceph-rbd');
    await template('pve2', 9001, 'local-lvm');
    const linked = await t.run('POST', '/nodes/pve1/qemu/9000/clone', {
      newid: 101,
      target: 'pve3',
      full: 0,
    });
    expect(linked.exitstatus).toBe('OK');
    const placed = await data<Array<{ vmid: number; node: string }>>('GET', '/cluster/resources', {
      type: 'vm',
    });
    expect(placed.find((v) => v.vmid === 101)?.node).toBe('pve3');
    const refused = await t.api('POST', '/nodes/pve2/qemu/9001/clone', {
      params: { newid: 102, target: 'pve1' },
    });
    expect(refused.status).toBe(500);
    expect(refused.text).toContain("can't clone VM to node 'pve1' (VM uses local storage)");
    // Node-local volumes belong to their node: pve1's local-lvm does not list pve2's template disk.
    const onPve1 = await data<Array<{ volid: string }>>('GET', '/nodes/pve1/storage/local-lvm/content');
    const onPve2 = await data<Array<{ volid: string }>>('GET', '/nodes/pve2/storage/local-lvm/content');
    expect(onPve1.map((v) => v.volid)).toEqual([]);
    expect(onPve2.map((v) => v.volid)).toContain('local-lvm:base-9001-disk-0');
  });

  it('keeps pool membership through clone, pool updates and destroy', async () => {
    await data('POST', '/pools', { poolid: 'k8s', comment: 'cluster VMs' });
    expect(
      (await t.run('POST', '/nodes/pve2/qemu/9001/clone', { newid: 103, name: 'w1', pool: 'k8s' }))
        .exitstatus,
    ).toBe('OK');
    await data('PUT', '/pools', { poolid: 'k8s', vms: '101' });
    const [pool] = await data<Array<{ poolid: string; members: Array<{ id: string; node: string }> }>>(
      'GET',
      '/pools',
      { poolid: 'k8s' },
    );
    expect(pool?.members.map((m) => [m.id, m.node])).toEqual([
      ['qemu/103', 'pve2'],
      ['qemu/101', 'pve3'],
    ]);
    const moved = await t.api('PUT', '/pools', { params: { poolid: 'other', vms: '103' } });
    expect(moved.text).toContain("pool 'other' does not exist");
    expect(await data('GET', '/pools')).toEqual([{ poolid: 'k8s', comment: 'cluster VMs' }]);
    const inPool = await data<Array<{ vmid: number; pool?: string }>>('GET', '/cluster/resources', {
      type: 'vm',
    });
    expect(inPool.find((v) => v.vmid === 103)?.pool).toBe('k8s');

    expect(
      (await t.run('DELETE', '/nodes/pve2/qemu/103', { purge: 1, 'destroy-unreferenced-disks': 1 }))
        .exitstatus,
    ).toBe('OK');
    const [after] = await data<Array<{ members: Array<{ id: string }> }>>('GET', '/pools', { poolid: 'k8s' });
    expect(after?.members.map((m) => m.id)).toEqual(['qemu/101']);
    const left = await data<Array<{ vmid?: number }>>('GET', '/nodes/pve2/storage/local-lvm/content');
    expect(left.filter((v) => v.vmid === 103)).toEqual([]);
  });

  it('reboots, pings the agent and reports the address the hook chose', async () => {
    expect((await t.run('POST', '/nodes/pve3/qemu/101/status/start')).exitstatus).toBe('OK');
    expect(await data('POST', '/nodes/pve3/qemu/101/agent/ping')).toEqual({ result: {} });
    const ifaces = await data<{
      result: Array<{ name: string; 'ip-addresses': Array<{ 'ip-address': string }> }>;
    }>('GET', '/nodes/pve3/qemu/101/agent/network-get-interfaces');
    expect(ifaces.result.find((i) => i.name === 'eth0')?.['ip-addresses'][0]?.['ip-address']).toBe(
      '127.0.0.11',
    );
    expect(seen).toContain(101);
    expect((await t.run('POST', '/nodes/pve3/qemu/101/status/reboot')).exitstatus).toBe('OK');
    const status = await data<{ status: string }>('GET', '/nodes/pve3/qemu/101/status/current');
    expect(status.status).toBe('running');
    const stopped = await t.api('POST', '/nodes/pve3/qemu/9000/agent/ping');
    expect(stopped.status).toBe(500);
  });

  it('moves a disk to another storage: a full copy there, the source kept as unused0 or deleted', async () => {
    expect((await t.run('POST', '/nodes/pve3/qemu/101/status/stop')).exitstatus).toBe('OK');
    const moved = await t.run('POST', '/nodes/pve3/qemu/101/move_disk', {
      disk: 'scsi0',
      storage: 'local-lvm',
    });
    expect(moved.exitstatus).toBe('OK');
    const config = await data<Record<string, string>>('GET', '/nodes/pve3/qemu/101/config');
    expect(config.scsi0).toMatch(/^local-lvm:vm-101-disk-\d+,/);
    expect(config.unused0).toBe('ceph-rbd:base-9000-disk-0/vm-101-disk-0');
    const same = await t.api('POST', '/nodes/pve3/qemu/101/move_disk', {
      params: { disk: 'scsi0', storage: 'local-lvm' },
    });
    expect(same.text).toContain("you can't move to the same storage with same format");
    const cdrom = await t.api('POST', '/nodes/pve3/qemu/101/move_disk', {
      params: { disk: 'ide2', storage: 'local-lvm' },
    });
    expect(cdrom.text).toContain("you can't move a cdrom");
    expect((await t.run('POST', '/nodes/pve3/qemu/101/status/start')).exitstatus).toBe('OK');
  });

  it('regenerates the cloud-init drive on demand and shows what is pending until then', async () => {
    await data('PUT', '/nodes/pve3/qemu/101/config', { ipconfig0: 'ip=10.1.0.5/24,gw=10.1.0.1' });
    const pending = await data<Array<{ key: string; value?: string; pending?: string }>>(
      'GET',
      '/nodes/pve3/qemu/101/cloudinit',
    );
    expect(pending.find((p) => p.key === 'ipconfig0')).toEqual({
      key: 'ipconfig0',
      value: 'ip=dhcp',
      pending: 'ip=10.1.0.5/24,gw=10.1.0.1',
    });
    await data('PUT', '/nodes/pve3/qemu/101/cloudinit');
    const applied = await data<Array<{ key: string; pending?: string }>>(
      'GET',
      '/nodes/pve3/qemu/101/cloudinit',
    );
    expect(applied.find((p) => p.key === 'ipconfig0')).toEqual({
      key: 'ipconfig0',
      value: 'ip=10.1.0.5/24,gw=10.1.0.1',
    });
  });
});
