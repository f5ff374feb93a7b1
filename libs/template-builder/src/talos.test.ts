import type { FaultRule } from '@infra/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from './build';
import type { StepEvent } from './execute';
import { type ApiStep, fingerprintTag } from './plan';
import { pruneTalosTemplates } from './talos/prune';
import { type Harness, startHarness } from './testing/harness';

// talos:build-image end to end against the Proxmox VE simulator and the Image Factory simulator.
const MUTATING = new Set(['POST', 'PUT', 'DELETE']);
const NVIDIA = [
  'siderolabs/nvidia-container-toolkit-production',
  'siderolabs/nvidia-open-gpu-kernel-modules-production',
  'siderolabs/qemu-guest-agent',
];

async function nodeState(h: Harness) {
  const vms = await h.client.listVms('pve');
  const volumes = (await h.client.storageContent('pve', 'local', { content: 'import' })).map((v) => v.volid);
  return { vms, volumes };
}

describe('buildImage talos', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ extensions: NVIDIA });
  });
  afterAll(() => h.stop());

  it('first build creates exactly one template with the Talos VM settings', async () => {
    const result = await buildImage(h.env, 'talos', { connection: h.connection });
    expect(result).toMatchObject({
      status: 'built',
      vmid: 9000,
      name: `talos-v1.13.9-${result.identity.schematicId?.slice(0, 8)}`,
    });
    const { vms, volumes } = await nodeState(h);
    expect(vms.map((v) => [v.vmid, Boolean(v.template)])).toEqual([[9000, true]]);
    expect(volumes).toEqual([
      `local:import/talos-v1.13.9-${result.identity.schematicId?.slice(0, 12)}-nocloud-amd64.qcow2`,
    ]);
    const config = (await h.client.vmConfig('pve', 9000)) as Record<string, unknown>;
    expect(config).toMatchObject({
      machine: 'q35',
      bios: 'ovmf',
      cpu: 'host',
      cores: 2,
      memory: '4096',
      balloon: 0,
      scsihw: 'virtio-scsi-single',
      serial0: 'socket',
      vga: 'serial0',
      agent: 'enabled=1,fstrim_cloned_disks=1',
      template: true,
    });
    expect(String(config.efidisk0)).toMatch(/efitype=4m/);
    expect(String(config.scsi0)).toMatch(/^local-lvm:base-9000-disk-\d+.*iothread=1/);
    // talos.hardware.diskGiB (16 in the harness), not the image's 2 GiB
    expect(String(config.scsi0)).toMatch(/,size=16G(,|$)/);
    expect(String(config.ide2)).toMatch(/cloudinit/);
    expect(String(config.tags).split(/[;,]/)).toEqual(
      expect.arrayContaining(['infra', 'talos', fingerprintTag(result.fingerprint)]),
    );
    expect(JSON.parse(String(config.description))).toMatchObject({
      managedBy: 'infra build-image',
      os: 'talos',
      fingerprint: result.fingerprint,
      buildRun: result.runId,
      identity: { schematicId: result.identity.schematicId, talosVersion: 'v1.13.9', platform: 'nocloud' },
      source: {
        url: expect.stringMatching(/\/nocloud-amd64\.qcow2$/),
        checksum: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      },
    });
  });

  it('second build makes zero POST/PUT/DELETE requests (request log) and takes well under two seconds', async () => {
    const mark = await h.logMark();
    const started = performance.now();
    const result = await buildImage(h.env, 'talos', { connection: h.connection });
    const elapsed = performance.now() - started;
    expect(result.status).toBe('up-to-date');
    expect(result.vmid).toBe(9000);
    const log = await h.logSince(mark);
    expect(log.length).toBeGreaterThan(0);
    expect(log.filter((e) => MUTATING.has(e.method))).toEqual([]);
    expect(elapsed).toBeLessThan(1000);
    expect(h.factory.requests.filter((r) => r.method === 'POST' && r.path === '/schematics')).toHaveLength(1);
  });

  it('a changed extension list builds a new template next to the old one', async () => {
    await h.setExtensions([...NVIDIA, 'siderolabs/iscsi-tools']);
    const result = await buildImage(h.env, 'talos', { connection: h.connection });
    expect(result).toMatchObject({ status: 'built', vmid: 9001 });
    const { vms } = await nodeState(h);
    expect(
      vms
        .filter((v) => v.template)
        .map((v) => v.vmid)
        .sort(),
    ).toEqual([9000, 9001]);
  });

  it('dry run lists the API calls and changes nothing', async () => {
    await h.setExtensions(['siderolabs/qemu-guest-agent']);
    const mark = await h.logMark();
    const result = await buildImage(h.env, 'talos', { connection: h.connection, dryRun: true });
    expect(result.status).toBe('dry-run');
    expect(result.steps.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /nodes/pve/storage/local/download-url',
      'POST /nodes/pve/qemu',
      'PUT /nodes/pve/qemu/9002/resize',
      'POST /nodes/pve/qemu/9002/template',
      'PUT /nodes/pve/qemu/9002/config',
    ]);
    expect((await h.logSince(mark)).filter((e) => MUTATING.has(e.method))).toEqual([]);
  });

  it('prune keeps the current template and removes older ones with their image volumes (dry run first)', async () => {
    await h.setExtensions([...NVIDIA, 'siderolabs/iscsi-tools']); // current = VM 9001
    const dry = await pruneTalosTemplates(h.env, { keep: 0, apply: false, connection: h.connection });
    expect(dry.keep.map((k) => k.vmid)).toEqual([9001]);
    expect(dry.remove.map((r) => r.vmid)).toEqual([9000]);
    expect((await nodeState(h)).vms).toHaveLength(2);
    const applied = await pruneTalosTemplates(h.env, { keep: 0, apply: true, connection: h.connection });
    expect(applied.remove[0]?.volume).toMatch(/^local:import\//);
    const { vms, volumes } = await nodeState(h);
    expect(vms.map((v) => v.vmid)).toEqual([9001]);
    expect(volumes).toHaveLength(1);
  });
});

describe('failures leave nothing behind', () => {
  // Each fault is armed when its step starts (the build lock is a VM too, and its create must not hit it).
  // A failed download task wrote nothing (Proxmox downloads to a temporary file), so nothing is removed.
  const cases: Array<[string, ApiStep['kind'], FaultRule, string]> = [
    [
      'download task',
      'download',
      {
        kind: 'task-failure',
        taskType: 'download',
        message: "checksum mismatch: got 'x' != expect 'y', aborting",
        times: 1,
      },
      'this run had created nothing, nothing to clean up',
    ],
    [
      'create task',
      'create',
      { kind: 'task-failure', taskType: 'qmcreate', message: 'import failed: disk full', times: 1 },
      'cleaned up: VM 9000 (already gone), volume local:import/',
    ],
    [
      'template task',
      'template',
      { kind: 'task-failure', taskType: 'qmtemplate', message: 'VM is locked (backup)', times: 1 },
      'cleaned up: VM 9000, volume local:import/',
    ],
    [
      'template request',
      'template',
      {
        kind: 'error',
        status: 500,
        method: 'POST',
        path: '/nodes/*/qemu/*/template',
        message: 'boom',
        times: 10,
      },
      'cleaned up: VM 9000, volume local:import/',
    ],
  ];
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it.each(cases)(
    'failure at the %s: BUILD_FAILED, no VM, no volume; the next build succeeds',
    async (_name, kind, fault, summary) => {
      h.sim.faults.clear();
      const onEvent = (e: StepEvent) => {
        if (e.type === 'start' && e.step.kind === kind) h.sim.faults.add(fault);
      };
      const error = await buildImage(h.env, 'talos', { connection: h.connection, onEvent }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'BUILD_FAILED', message: expect.stringContaining(summary) });
      expect(await nodeState(h)).toEqual({ vms: [], volumes: [] });
      h.sim.faults.clear();
      expect((await buildImage(h.env, 'talos', { connection: h.connection })).status).toBe('built');
      // reset for the next case
      await h.client.deleteVm('pve', 9000, { purge: true });
      for (const v of (await nodeState(h)).volumes) {
        await h.client.waitForTask(
          String(
            await h.client.call('DELETE /nodes/{node}/storage/{storage}/content/{volume}', {
              node: 'pve',
              storage: 'local',
              volume: v,
            }),
          ),
        );
      }
    },
  );
});

describe('bad input: one clear error each', () => {
  it('unknown extension for the version, bad Talos version, factory unreachable', async () => {
    const h = await startHarness({
      extensions: ['siderolabs/qemu-guest-agent', 'siderolabs/nvidia-open-gpu-kernel-modules'],
    });
    try {
      await expect(buildImage(h.env, 'talos', { connection: h.connection })).rejects.toMatchObject({
        code: 'FACTORY_UNKNOWN_EXTENSION',
        message: expect.stringContaining('did you mean siderolabs/nvidia-open-gpu-kernel-modules-lts'),
      });
      await h.setExtensions(['siderolabs/qemu-guest-agent']);
      const badVersion = { ...h.env, talos: { ...h.env.talos, version: 'v1.13.99' } };
      await expect(buildImage(badVersion, 'talos', { connection: h.connection })).rejects.toMatchObject({
        code: 'TALOS_VERSION_UNKNOWN',
      });
      const down = { ...h.connection, factoryUrl: async () => 'http://127.0.0.1:9' };
      await expect(buildImage(h.env, 'talos', { connection: down })).rejects.toMatchObject({
        code: 'FACTORY_UNREACHABLE',
        message: expect.stringContaining('http://127.0.0.1:9'),
      });
      expect(await nodeState(h)).toEqual({ vms: [], volumes: [] });
    } finally {
      await h.stop();
    }
  });

  it('storage without import content, VMID range exhausted', async () => {
    const h = await startHarness({ importEnabled: false, vmidRange: { start: 9000, end: 9000 } });
    try {
      await expect(buildImage(h.env, 'talos', { connection: h.connection })).rejects.toMatchObject({
        code: 'STORAGE_IMPORT_DISABLED',
        hint: expect.stringContaining('pvesm set local --content'),
      });
      const config = (await h.client.storageConfig('local')) as { content?: string };
      await h.client.updateStorage('local', { content: `${config.content},import` });
      await h.client.createVm('pve', { vmid: 9000, name: 'someone-else' });
      await expect(buildImage(h.env, 'talos', { connection: h.connection })).rejects.toMatchObject({
        code: 'VMID_RANGE_EXHAUSTED',
        message: expect.stringContaining('9000–9000'),
      });
    } finally {
      await h.stop();
    }
  });
});
