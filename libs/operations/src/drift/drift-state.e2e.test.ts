import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { deployEnvironment } from '@infra/deploy';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestHost, REPO_ROOT, type TestHost } from '../testing/host';
import { assertTofuToolchain } from '../testing/tools';
import { runDrift } from './drift';

/**
 * Drift against a real tofu state: the real tofu and bpg provider apply two VMs spread over a two-node
 * simulator (state encrypted), then the state is read back with `tofu show -json` and compared with what
 * the cluster has after hand changes and an out-of-band delete.
 */
const TAG = 'fp-0123456789abcdef01234567';
const hosts: TestHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

async function appliedCluster() {
  await assertTofuToolchain();
  const h = await createTestHost({ nodes: ['pve1', 'pve2'] });
  hosts.push(h);
  for (const [i, node] of ['pve1', 'pve2'].entries()) {
    await h.api('POST', `/nodes/${node}/qemu`, {
      vmid: 9000 + i,
      name: `golden-${node}`,
      scsi0: 'local-lvm:2',
      scsihw: 'virtio-scsi-single',
      ide2: 'local-lvm:cloudinit',
      net0: 'virtio,bridge=vmbr0',
      agent: 'enabled=1',
      ostype: 'l26',
      tags: `infra;${TAG}`,
    });
    await h.api('POST', `/nodes/${node}/qemu/${9000 + i}/template`);
  }
  await h.api('POST', '/cluster/mapping/pci', {
    id: 'rtx4000ada',
    description: 'gpu',
    map: ['node=pve1,path=0000:01:00.0,id=10de:27b2,subsystem-id=10de:181b,iommugroup=14'],
  });
  const rootDir = join(h.dir, 'root');
  await cp(join(REPO_ROOT, 'libs/deploy/testing/fixture-vms'), rootDir, { recursive: true });
  await cp(join(REPO_ROOT, 'terraform/modules/proxmox-vm'), join(h.dir, 'modules/proxmox-vm'), {
    recursive: true,
  });
  await cp(
    join(REPO_ROOT, 'terraform/environments/local/.terraform.lock.hcl'),
    join(rootDir, '.terraform.lock.hcl'),
  );
  const applied = await deployEnvironment({
    environment: h.environment,
    action: 'apply',
    rootDir,
    templates: { base: { tag: TAG, source: 'the test', build: 'appliedCluster()' } },
    variables: { vm_count: 2, spread: true, started: false },
    yes: true,
    env: h.env,
  });
  expect(applied).toMatchObject({ applied: true, changes: { add: 2 } });
  const drift = (vmids?: number[]) =>
    runDrift({
      environment: h.environment,
      env: h.env,
      templates: { talos: TAG },
      state: { rootDir },
      ...(vmids ? { vmids } : {}),
    });
  return { h, drift };
}

const guests = (h: TestHost) =>
  Object.entries(h.sim.state.vms)
    .filter(([, vm]) => vm.config.template !== '1')
    .map(([id, vm]) => ({ vmid: Number(id), node: vm.node, name: String(vm.config.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));

describe('drift against the tofu state of a two-node simulator', () => {
  it('0 right after apply; a hand change is changed, an out-of-band delete missing (2)', {
    timeout: 600_000,
  }, async () => {
    const { h, drift } = await appliedCluster();
    const vms = guests(h);
    expect(vms.map((v) => [v.name, v.node])).toEqual([
      ['fixture-1', 'pve1'],
      ['fixture-2', 'pve2'],
    ]);
    expect(await drift()).toMatchObject({ items: [], exitCode: 0 });

    const [first, second] = vms as [(typeof vms)[0], (typeof vms)[0]];
    await h.api('PUT', `/nodes/${second.node}/qemu/${second.vmid}/config`, {
      memory: '2048',
      tags: 'fixture;infra;by-hand',
    });
    await h.api('DELETE', `/nodes/${first.node}/qemu/${first.vmid}`);
    const report = await drift();
    expect(report.exitCode).toBe(2);
    expect(report.items.map((i) => [i.kind, i.resource, i.name])).toEqual([
      ['missing', 'vm', `${first.vmid} fixture-1 (module.vm[0].proxmox_virtual_environment_vm.this)`],
      ['changed', 'vm', `${second.vmid} fixture-2 (module.vm[1].proxmox_virtual_environment_vm.this)`],
    ]);
    expect(report.items[1]?.detail).toContain('memory 1024 MiB in state, 2048 MiB on the cluster');
    expect(report.items[1]?.detail).toContain('tags fixture;infra in state, by-hand;fixture;infra');

    // --vm narrows to one VM; an id neither on the cluster nor in the state is an error, not drift.
    const one = await drift([second.vmid]);
    expect(one.items.map((i) => i.kind)).toEqual(['changed']);
    await expect(drift([4242])).rejects.toMatchObject({ code: 'DRIFT_UNKNOWN_VM' });
  });
});
