import { cp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '@infra/core';
import { deployEnvironment, openTofuSession } from '@infra/deploy';
import { ed25519PublicKeyLine } from '@infra/sops-secrets';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestHost, REPO_ROOT, type TestHost } from '../testing/host';
import { assertTofuToolchain } from '../testing/tools';
import { runImport } from './import';

/**
 * The import round trip with the real tofu and bpg provider against a two-node simulator reached as a real
 * endpoint (fingerprint pinned): three VMs made by hand through the API, imported, `tofu apply` of the
 * imports, then `tofu plan -detailed-exitcode` exits 0.
 */
const hosts: TestHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

/** Three shapes: a plain BIOS VM; UEFI with two disks and two NICs; a cloud-init VM with a serial console. */
async function handMadeVms(h: TestHost) {
  await h.api('POST', '/nodes/pve1/qemu', {
    vmid: 120,
    name: 'plain',
    memory: '1024',
    cores: 2,
    scsihw: 'virtio-scsi-single',
    scsi0: 'local-lvm:4',
    net0: 'virtio,bridge=vmbr0',
    ostype: 'l26',
  });
  await h.api('POST', '/nodes/pve1/qemu', {
    vmid: 121,
    name: 'uefi-two-disks',
    memory: '2048',
    cores: 4,
    sockets: 1,
    cpu: 'host',
    bios: 'ovmf',
    machine: 'q35',
    efidisk0: 'local-lvm:1,efitype=4m,pre-enrolled-keys=0',
    scsihw: 'virtio-scsi-single',
    scsi0: 'local-lvm:8,discard=on,iothread=1,ssd=1',
    virtio1: 'local-lvm:2',
    net0: 'virtio,bridge=vmbr0',
    net1: 'e1000,bridge=vmbr0,tag=20',
    agent: 'enabled=1',
    onboot: 1,
    tags: 'hand;web',
    description: 'made by hand',
  });
  await h.api('POST', '/nodes/pve2/qemu', {
    vmid: 122,
    name: 'cloud-init',
    memory: '1536',
    cores: 1,
    scsihw: 'virtio-scsi-single',
    scsi0: 'local-lvm:4',
    ide2: 'local-lvm:cloudinit',
    ciuser: 'ops',
    sshkeys: encodeURIComponent(`${ed25519PublicKeyLine('import-test')}\n`),
    ipconfig0: 'ip=dhcp',
    serial0: 'socket',
    net0: 'virtio,bridge=vmbr0,firewall=1',
    ostype: 'l26',
  });
}

/** A root module like terraform/environments/<env>: its provider, versions and variables, no VMs yet. */
async function environmentRoot(h: TestHost) {
  const root = join(h.dir, 'terraform', 'environments', 'test');
  await cp(join(REPO_ROOT, 'terraform/environments/local'), root, { recursive: true });
  await rm(join(root, 'main.tf'));
  await rm(join(root, 'outputs.tf'));
  return root;
}

describe('import of hand-made VMs', () => {
  it('3 VMs: generated, imported by tofu apply, then tofu plan -detailed-exitcode exits 0', {
    timeout: 900_000,
  }, async () => {
    await assertTofuToolchain();
    const h = await createTestHost({ nodes: ['pve1', 'pve2'] });
    hosts.push(h);
    await handMadeVms(h);
    // A VM of this project (infra tag) is never taken.
    await h.api('POST', '/nodes/pve1/qemu', { vmid: 130, name: 'ours', tags: 'infra' });
    const root = await environmentRoot(h);

    const result = await runImport({ environment: h.environment, vmids: [], env: h.env });
    expect(result.files.map((f) => [f.vmid, f.node, f.address])).toEqual([
      [120, 'pve1', 'proxmox_virtual_environment_vm.plain'],
      [121, 'pve1', 'proxmox_virtual_environment_vm.uefi_two_disks'],
      [122, 'pve2', 'proxmox_virtual_environment_vm.cloud_init'],
    ]);
    expect((await readdir(root)).filter((f) => f.startsWith('import-')).sort()).toEqual([
      'import-120-plain.tf',
      'import-121-uefi-two-disks.tf',
      'import-122-cloud-init.tf',
    ]);
    const uefi = await readFile(join(root, 'import-121-uefi-two-disks.tf'), 'utf8');
    expect(uefi).toContain('id = "pve1/121"');
    expect(uefi).toMatch(/bios\s+= "ovmf"/);
    expect(uefi.match(/^ {2}disk \{/gm)).toHaveLength(2);
    expect(uefi.match(/^ {2}network_device \{/gm)).toHaveLength(2);
    expect(uefi).toMatch(/vlan_id\s+= 20/);
    // No ostype on the VM, which bpg cannot state: left to the VM, with the reason.
    expect(uefi).toContain('ignore_changes = [operating_system]');
    const cloudInit = await readFile(join(root, 'import-122-cloud-init.tf'), 'utf8');
    expect(cloudInit).toContain('initialization {');
    expect(cloudInit).toContain('username = "ops"');
    expect(cloudInit).toContain('serial_device {}');

    // tofu apply of the imports through the deploy stage: 3 imported, nothing added, changed or destroyed.
    const applied = await deployEnvironment({
      environment: h.environment,
      action: 'apply',
      yes: true,
      env: h.env,
    });
    expect(applied.changes).toMatchObject({ add: 0, change: 0, remove: 0, import: 3 });
    expect(applied.applied).toBe(true);

    // The acceptance check itself: a plain `tofu plan -detailed-exitcode` exits 0 (no changes).
    const session = await openTofuSession({ environment: h.environment, env: h.env });
    try {
      const plan = await session.run(['plan', '-input=false', '-detailed-exitcode', '-no-color']);
      expect(plan.stdout + plan.stderr).toContain('No changes');
      expect(plan.exitCode).toBe(0);
    } finally {
      await session.close();
    }

    // Every VM is managed now: a run without --vm has nothing to do.
    expect(await runImport({ environment: h.environment, vmids: [], env: h.env })).toMatchObject({
      files: [],
    });

    // Now managed (in the state): refused; an unknown VMID: refused. Nothing written either time.
    await expect(runImport({ environment: h.environment, vmids: [121], env: h.env })).rejects.toMatchObject({
      code: 'IMPORT_MANAGED_VM',
    });
    await expect(runImport({ environment: h.environment, vmids: [130], env: h.env })).rejects.toMatchObject({
      code: 'IMPORT_MANAGED_VM',
    });
    const tsx = join(REPO_ROOT, 'node_modules/.bin/tsx');
    const run = await runProcess(
      tsx,
      [join(REPO_ROOT, 'scripts/import.ts'), '-e', 'test', '--vm', '4242', '--json'],
      {
        cwd: h.dir,
        env: { HOME: h.env.HOME, SOPS_AGE_KEY_FILE: h.env.SOPS_AGE_KEY_FILE },
        timeoutMs: 120_000,
      },
    );
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'IMPORT_UNKNOWN_VM' } });

    // Every request bpg and the client sent passed the official PVE 9.0 schema.
    const broken = (await h.requests()).filter((r) => r.schema !== 'valid' || r.status === 501);
    expect(broken.map((r) => `${r.method} ${r.path} ${r.status} ${r.schema}`)).toEqual([]);
  });
});
