import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadEnvironment } from '@infra/config';
import { afterEach, describe, expect, it } from 'vitest';
import { EMBEDDED_PROXMOX_API_URL, installMediaVolume, packerVariables, toPackerEnv } from './packer-vars';
import { type FixtureRepo, fixtureRepo } from './testing/fixture-repo';

let repo: FixtureRepo | undefined;
afterEach(async () => {
  await repo?.dispose();
  repo = undefined;
});

const build = { sshPrivateKeyFile: '/tmp/k', sshPublicKey: 'ssh-ed25519 AAAA k' };

describe('packerVariables', () => {
  it('injects the resolved environment: endpoint, node, storage, VMIDs, image and hardware', async () => {
    repo = await fixtureRepo([]);
    await writeFile(
      repo.path('infra.config.yaml'),
      [
        'catalog:',
        '  proxmox: { node: pve2, bridge: vmbr1, storage: { images: iso-store, disks: fast } }',
        '  templates: { vmidRange: { start: 9100, end: 9199 } }',
        '  talos: { version: v1.13.9, kubernetesVersion: 1.36.3, platform: nocloud, schematic: talos/schematic.yaml, factory: embedded }',
        '  images:',
        '    debian:',
        '      version: "13"',
        `      source: { url: https://cloud.debian.org/x.qcow2, checksum: "sha512:${'a'.repeat(128)}" }`,
        '      hardware: { cores: 4, memoryMiB: 4096, diskGiB: 20 }',
        '  gpu: { mapping: rtx4000ada }',
        'environments:',
        '  local: { proxmox: { endpoint: embedded }, secrets: secrets/local.enc.yaml }',
        '  prod: { proxmox: { endpoint: "https://pve.lan:8006/" }, secrets: secrets/prod.enc.yaml }',
        '',
      ].join('\n'),
    );
    const local = await loadEnvironment('local', { cwd: repo.root });
    expect(packerVariables(local, 'debian', build)).toEqual({
      proxmox_url: EMBEDDED_PROXMOX_API_URL,
      proxmox_username: 'infra@pve!build',
      proxmox_insecure_skip_tls_verify: 'true',
      node: 'pve2',
      bridge: 'vmbr1',
      disk_storage_pool: 'fast',
      iso_storage_pool: 'iso-store',
      base_vm_id: '9199',
      template_vm_id: '9100',
      debian_version: '13',
      source_image_url: 'https://cloud.debian.org/x.qcow2',
      cores: '4',
      sockets: '1',
      memory_mib: '4096',
      cpu_type: 'host',
      machine: 'q35',
      bios: 'ovmf',
      scsi_controller: 'virtio-scsi-single',
      ssh_private_key_file: '/tmp/k',
      ssh_public_key: 'ssh-ed25519 AAAA k',
      disk_gib: '20',
    });
    const prod = await loadEnvironment('prod', { cwd: repo.root });
    const prodVars = packerVariables(prod, 'debian', {
      ...build,
      tokenId: 'packer@pve!ci',
      baseVmId: 9150,
      templateVmId: 9101,
    });
    expect(prodVars).toMatchObject({
      proxmox_url: 'https://pve.lan:8006/api2/json',
      proxmox_username: 'packer@pve!ci',
      proxmox_insecure_skip_tls_verify: 'false',
      base_vm_id: '9150',
      template_vm_id: '9101',
    });
    expect(toPackerEnv({ node: 'pve2' })).toEqual({ PKR_VAR_node: 'pve2' });
    expect(() => packerVariables(local, 'ubuntu', build)).toThrow(
      expect.objectContaining({ code: 'IMAGE_NOT_CONFIGURED' }),
    );
    for (const phantom of ['constructor', 'toString', '__proto__']) {
      expect(() => packerVariables(local, phantom, build)).toThrow(
        expect.objectContaining({ code: 'IMAGE_NOT_CONFIGURED' }),
      );
    }
  });

  it("gives ISO installs their media volumes, and Windows its answer file, from the repo's catalog", async () => {
    const env = await loadEnvironment('local', { cwd: join(import.meta.dirname, '..', '..', '..') });
    const nixos = packerVariables(env, 'nixos', build);
    expect(nixos.iso_file).toBe(installMediaVolume(env, 'nixos', 'source'));
    // The name carries the pin's first 12 hex digits (the pin itself lives only in infra.config.yaml).
    const pin = (checksum: string | undefined) => checksum?.split(':')[1]?.slice(0, 12);
    expect(nixos.iso_file).toBe(
      `local:iso/nixos-${env.images.nixos?.version}-source-${pin(env.images.nixos?.source.checksum)}.iso`,
    );
    expect(nixos.drivers_iso_file).toBeUndefined();
    expect(packerVariables(env, 'debian', build).iso_file).toBeUndefined();

    const windows = packerVariables(env, 'windows', { ...build, windowsBuildPassword: 'One-Time-Pass-9' });
    expect(windows.iso_file).toBe(
      `local:iso/windows-2025-source-${pin(env.images.windows?.source.checksum)}.iso`,
    );
    expect(windows.drivers_iso_file).toBe(
      `local:iso/windows-2025-drivers-${pin(env.images.windows?.drivers?.checksum)}.iso`,
    );
    expect(windows).toMatchObject({
      build_password: 'One-Time-Pass-9',
      communicator: 'winrm',
      cloudbase_init_url: env.images.windows!.cloudbaseInit!.url,
      cloudbase_init_sha256: '0E7FA42E0CBC0CE7657F85730B0C6CC7AFC4087A3639DF0FF51A721A0BE19BD5',
    });
    expect(windows.autounattend_xml).toContain('<Value>One-Time-Pass-9</Value>');
    expect(windows.autounattend_xml).toContain('images.windows.unattend (environment local)');
    // Validate gets a placeholder, never a real password.
    expect(packerVariables(env, 'windows', build).build_password).toBe('Validate-Only-Placeholder-1');
  });
});
