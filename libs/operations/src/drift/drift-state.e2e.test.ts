import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '@infra/core';
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
  // Where the script looks: terraform/environments/<env> (the fixture's module source is ../modules/...).
  const rootDir = join(h.dir, 'terraform', 'environments', 'test');
  await cp(join(REPO_ROOT, 'libs/deploy/testing/fixture-vms'), rootDir, { recursive: true });
  await cp(
    join(REPO_ROOT, 'terraform/modules/proxmox-vm'),
    join(h.dir, 'terraform', 'environments', 'modules', 'proxmox-vm'),
    { recursive: true },
  );
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
      state: [{ rootDir, fix: './infra deploy apply -e test' }],
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

    // The script: the same report as JSON, exit 2 like `tofu plan -detailed-exitcode`; an unknown VMID exits 1.
    await cp(join(REPO_ROOT, 'talos'), join(h.dir, 'talos'), { recursive: true });
    const script = (...args: string[]) =>
      runProcess(
        join(REPO_ROOT, 'node_modules/.bin/tsx'),
        [join(REPO_ROOT, 'scripts/drift.ts'), '-e', 'test', '--json', ...args],
        {
          cwd: h.dir,
          env: { HOME: h.env.HOME, SOPS_AGE_KEY_FILE: h.env.SOPS_AGE_KEY_FILE },
          timeoutMs: 180_000,
        },
      );
    const run = await script('--vm', String(first.vmid), '--vm', String(second.vmid));
    expect(run.exitCode).toBe(2);
    const json = JSON.parse(run.stdout) as {
      items: Array<{ kind: string; resource: string }>;
      state: string;
    };
    expect(json.items.map((i) => [i.kind, i.resource])).toEqual([
      ['missing', 'vm'],
      ['changed', 'vm'],
    ]);
    expect(json.state).toBe('terraform/environments/test: 2 VM(s) in the state');
    const unknown = await script('--vm', '4242');
    expect(unknown.exitCode).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { code: 'DRIFT_UNKNOWN_VM' } });
  });
});
