import { cp, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Environment, loadEnvironment } from '@infra/config';
import { embeddedHost, realHost } from '@infra/proxmox-connect';
import type { FaultRule } from '@infra/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from './build';
import type { StepEvent } from './execute';
import { type ApiStep, fingerprintTag } from './plan';
import { type ServedImage, serveCloudImage } from './testing/cloud-image';
import { type Harness, startHarness } from './testing/harness';

// debian:build-image (base template stage) end to end against the Proxmox VE simulator, with the cloud image
// served from 127.0.0.1 (the simulator downloads loopback URLs only).
const MUTATING = new Set(['POST', 'PUT', 'DELETE']);
const repoRoot = resolve(import.meta.dirname, '../../..');

/** The harness's config plus `images.debian` pointing at the served image. */
async function debianEnv(h: Harness, image: ServedImage, hardware?: string): Promise<Environment> {
  const base = await readFile(join(h.dir, 'infra.config.yaml'), 'utf8');
  const file = join(h.dir, 'debian.config.yaml');
  await writeFile(file, base.replace('  gpu:', `${image.imagesYaml(hardware)}  gpu:`));
  return loadEnvironment('local', { file });
}

/** A simulator and a served image for one describe block; fields are filled in by beforeAll. */
function debianSuite() {
  const suite = {} as { h: Harness; image: ServedImage; env: Environment };
  beforeAll(async () => {
    [suite.h, suite.image] = await Promise.all([startHarness(), serveCloudImage()]);
    // As on the embedded `local` environment: its host adapter (no guests, loopback downloads only) and the
    // repository's packer/debian + Ansible, so the golden stage is decided exactly as there.
    suite.h.connection = { ...suite.h.connection, host: embeddedHost };
    for (const path of ['packer/debian', 'ansible'])
      await cp(join(repoRoot, path), join(suite.h.dir, path), { recursive: true });
    suite.env = await debianEnv(suite.h, suite.image);
  });
  afterAll(async () => {
    await suite.image.stop();
    await suite.h.stop();
  });
  return suite;
}

async function nodeState(h: Harness) {
  const vms = (await h.client.listVms('pve')).map((v) => [v.vmid, Boolean(v.template)]);
  const volumes = (await h.client.storageContent('pve', 'local', { content: 'import' })).map((v) => v.volid);
  return { vms, volumes };
}

describe('buildImage debian (cloud image)', () => {
  const t = debianSuite();

  it('first build downloads the image (sha512-verified) and creates one base template with the cloud VM recipe', async () => {
    const result = await buildImage(t.env, 'debian', { connection: t.h.connection });
    expect(result).toMatchObject({
      status: 'built',
      vmid: 9000,
      name: `debian-13-${result.fingerprint.slice(0, 8)}`,
      golden: { status: 'skipped', reason: expect.stringContaining('simulator runs no guests') },
    });
    expect(t.image.hits).toEqual(['/debian-13-genericcloud-amd64-test.qcow2']);
    const { vms, volumes } = await nodeState(t.h);
    expect(vms).toEqual([[9000, true]]);
    expect(volumes).toEqual([
      `local:import/debian-13-genericcloud-amd64-test-${t.image.sha512.slice(0, 12)}.qcow2`,
    ]);
    const config = (await t.h.client.vmConfig('pve', 9000)) as Record<string, unknown>;
    expect(config).toMatchObject({
      name: result.name,
      machine: 'q35',
      bios: 'ovmf',
      cpu: 'host',
      cores: 2,
      memory: '2048',
      balloon: 0,
      scsihw: 'virtio-scsi-single',
      serial0: 'socket',
      agent: 'enabled=1,fstrim_cloned_disks=1',
      ipconfig0: 'ip=dhcp',
      template: true,
    });
    expect(String(config.efidisk0)).toMatch(/^local-lvm:.*efitype=4m/);
    expect(String(config.scsi0)).toMatch(/^local-lvm:base-9000-disk-\d+.*iothread=1/);
    expect(String(config.scsi0)).toMatch(/,size=16G(,|$)/); // images.debian.hardware.diskGiB, not the image's 2 GiB
    expect(String(config.ide2)).toMatch(/^local-lvm:.*cloudinit/);
    expect(String(config.net0)).toMatch(/^virtio=.*bridge=vmbr0/);
    expect(String(config.tags).split(/[;,]/)).toEqual([
      'infra',
      'debian',
      fingerprintTag(result.fingerprint),
    ]);
    expect(JSON.parse(String(config.description))).toMatchObject({
      managedBy: 'infra build-image',
      os: 'debian',
      identity: { version: '13' },
      fingerprint: result.fingerprint,
      source: { url: t.image.url, checksum: `sha512:${t.image.sha512}` },
      builtAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('second build makes zero POST/PUT/DELETE requests and downloads nothing', async () => {
    const mark = await t.h.logMark();
    const result = await buildImage(t.env, 'debian', { connection: t.h.connection });
    expect(result).toMatchObject({ status: 'up-to-date', vmid: 9000, proxmoxRequests: { mutating: 0 } });
    const log = await t.h.logSince(mark);
    expect(log.length).toBeGreaterThan(0);
    expect(log.filter((e) => MUTATING.has(e.method))).toEqual([]);
    expect(t.image.hits).toHaveLength(1);
  });

  it('changed hardware builds a new template beside the old one, reusing the downloaded image', async () => {
    const bigger = await debianEnv(t.h, t.image, '{ cores: 4, memoryMiB: 4096, diskGiB: 16, balloon: true }');
    const result = await buildImage(bigger, 'debian', { connection: t.h.connection });
    expect(result).toMatchObject({ status: 'built', vmid: 9001 });
    expect(result.steps.map((s) => s.kind)).toEqual(['create', 'resize', 'template', 'finish']);
    expect(await nodeState(t.h)).toMatchObject({
      vms: [
        [9000, true],
        [9001, true],
      ],
    });
    expect(await t.h.client.vmConfig('pve', 9001)).toMatchObject({ cores: 4, balloon: 4096 });
  });

  it('--base-only and dry run: no Packer stage, and a dry run changes nothing', async () => {
    const upToDate = await buildImage(t.env, 'debian', {
      connection: t.h.connection,
      baseOnly: true,
    });
    expect(upToDate.golden).toEqual({ status: 'skipped', reason: expect.stringMatching(/^--base-only/) });
    const other = await debianEnv(t.h, t.image, '{ cores: 8 }');
    const mark = await t.h.logMark();
    const dry = await buildImage(other, 'debian', { connection: t.h.connection, dryRun: true });
    expect(dry.status).toBe('dry-run');
    expect(dry.steps.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /nodes/pve/qemu',
      'PUT /nodes/pve/qemu/9002/resize',
      'POST /nodes/pve/qemu/9002/template',
      'PUT /nodes/pve/qemu/9002/config',
    ]);
    expect((await t.h.logSince(mark)).filter((e) => MUTATING.has(e.method))).toEqual([]);
  });
});

describe('debian build failures leave nothing behind', () => {
  // Armed when the step starts (the build lock's create must not hit the qmcreate fault).
  const cases: Array<[string, ApiStep['kind'], FaultRule, string]> = [
    [
      'download',
      'download',
      { kind: 'task-failure', taskType: 'download', message: 'checksum mismatch', times: 1 },
      'this run had created nothing, nothing to clean up',
    ],
    [
      'create',
      'create',
      { kind: 'task-failure', taskType: 'qmcreate', message: 'import failed: disk full', times: 1 },
      'cleaned up: VM 9000 (already gone), volume local:import/',
    ],
    [
      'template',
      'template',
      { kind: 'task-failure', taskType: 'qmtemplate', message: 'VM is locked (backup)', times: 1 },
      'cleaned up: VM 9000, volume local:import/',
    ],
  ];
  const t = debianSuite();

  it.each(cases)(
    'failure at %s: BUILD_FAILED with cleanup, nothing left on the node',
    async (_name, kind, fault, summary) => {
      t.h.sim.faults.clear();
      const onEvent = (e: StepEvent) => {
        if (e.type === 'start' && e.step.kind === kind) t.h.sim.faults.add(fault);
      };
      const error = await buildImage(t.env, 'debian', {
        connection: t.h.connection,
        onEvent,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BUILD_FAILED', message: expect.stringContaining(summary) });
      expect(await nodeState(t.h)).toEqual({ vms: [], volumes: [] });
      t.h.sim.faults.clear();
    },
  );

  it('storage without import content: the error names the storage and the pvesm fix, nothing changes', async () => {
    const config = (await t.h.client.storageConfig('local')) as { content?: string };
    const without = (config.content ?? '')
      .split(',')
      .filter((c) => c !== 'import')
      .join(',');
    await t.h.client.updateStorage('local', { content: without });
    const mark = await t.h.logMark();
    // A real host (the embedded demo host enables import content itself).
    const real = { ...t.h.connection, host: realHost };
    await expect(buildImage(t.env, 'debian', { connection: real })).rejects.toMatchObject({
      code: 'STORAGE_IMPORT_DISABLED',
      message: expect.stringContaining('cannot download the debian 13 cloud image'),
      hint: expect.stringContaining(`pvesm set local --content ${without},import`),
    });
    expect((await t.h.logSince(mark)).filter((e) => MUTATING.has(e.method))).toEqual([]);
  });

  it('an OS without images.<os> is refused with what is buildable', async () => {
    await expect(buildImage(t.env, 'ubuntu', { connection: t.h.connection })).rejects.toMatchObject({
      code: 'IMAGE_NOT_CONFIGURED',
      hint: expect.stringContaining('talos, debian'),
    });
  });

  it.each(['constructor', 'toString', '__proto__'])(
    '"%s" is no configured OS (own keys only)',
    async (os) => {
      await expect(buildImage(t.env, os, { connection: t.h.connection })).rejects.toMatchObject({
        code: 'IMAGE_NOT_CONFIGURED',
      });
    },
  );
});
