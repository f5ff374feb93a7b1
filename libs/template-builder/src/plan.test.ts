import { describe, expect, it } from 'vitest';
import {
  findUpToDate as findTemplateFor,
  templateFingerprint as fingerprintOf,
  fingerprintTag,
  type ObservedNode,
  type ObservedVm,
  pickVmid,
  planBuild,
  retargetSteps,
  type TemplateDescription,
} from './plan';
import { talosPlannedRecipe } from './recipes/talos';
import type { BuildRun } from './run-marker';
import { planPrune } from './talos/prune';

// The pure planner with the Talos recipe (the cloud-image recipe: plan-cloud-image.test.ts).
interface TalosTemplateSpec {
  node: string;
  bridge: string;
  storage: { images: string; disks: string };
  vmidRange: { start: number; end: number };
  schematicId: string;
  talosVersion: string;
  platform: string;
  arch: string;
  hardware: ObservedHardware;
}
type ObservedHardware = Parameters<typeof talosPlannedRecipe>[0]['hardware'];
const recipeOf = (s: TalosTemplateSpec) =>
  talosPlannedRecipe({
    schematicId: s.schematicId,
    talosVersion: s.talosVersion,
    platform: s.platform,
    arch: s.arch,
    hardware: s.hardware,
    placement: { node: s.node, storage: s.storage, vmidRange: s.vmidRange },
    bridge: s.bridge,
  });
const templateFingerprint = (s: TalosTemplateSpec) => fingerprintOf(recipeOf(s));
const findUpToDate = (s: TalosTemplateSpec, fingerprint: string, vms: ObservedVm[]) =>
  findTemplateFor(recipeOf(s), fingerprint, vms);
const planTalosBuild = (
  s: TalosTemplateSpec,
  o: ObservedNode,
  img: { url: string; sha256: string },
  now: Date,
  run: BuildRun,
) =>
  planBuild(
    recipeOf(s),
    o,
    {
      url: img.url,
      filename: `talos-${s.talosVersion}-${s.schematicId.slice(0, 12)}-${s.platform}-${s.arch}.qcow2`,
      algorithm: 'sha256',
      checksum: img.sha256,
    },
    now,
    run,
  );

const spec: TalosTemplateSpec = {
  node: 'pve',
  bridge: 'vmbr0',
  storage: { images: 'local', disks: 'local-lvm' },
  vmidRange: { start: 9000, end: 9002 },
  schematicId: 'a'.repeat(64),
  talosVersion: 'v1.13.9',
  platform: 'nocloud',
  arch: 'amd64',
  hardware: {
    cores: 4,
    sockets: 1,
    memoryMiB: 8192,
    diskGiB: 32,
    cpuType: 'host',
    machine: 'q35',
    bios: 'ovmf',
    scsiController: 'virtio-scsi-single',
    balloon: false,
  },
};
const image = { url: 'http://127.0.0.1:1/image/x/v1.13.9/nocloud-amd64.qcow2', sha256: 'b'.repeat(64) };
const NOW = new Date('2026-11-22T00:00:00Z');
const RUN = { id: 'aaaaaaaaaaaa' };
const storages: Pick<ObservedNode, 'images' | 'disks'> = {
  images: { id: 'local', type: 'dir', content: ['iso', 'vztmpl', 'import'], fileBased: true },
  disks: { id: 'local-lvm', type: 'lvmthin', content: ['images', 'rootdir'], fileBased: false },
};
const observed = (vms: ObservedVm[] = [], extra: Partial<ObservedNode> = {}): ObservedNode => ({
  vms,
  ...storages,
  importVolumes: [],
  ...extra,
});
const fp = templateFingerprint(spec);
const describe_ = (
  fingerprint: string,
  builtAt = '2026-01-01T00:00:00Z',
  importVolume = 'local:import/x.qcow2',
): string =>
  JSON.stringify({
    managedBy: 'infra build-image',
    os: 'talos',
    fingerprint,
    builtAt,
    importVolume,
    identity: { talosVersion: 'v1.13.9' },
  });

describe('fingerprint', () => {
  it('is stable and changes with everything that defines the template', () => {
    expect(templateFingerprint({ ...spec })).toBe(fp);
    expect(templateFingerprint({ ...spec, vmidRange: { start: 1, end: 2 } })).toBe(fp); // where, not what
    const variants: TalosTemplateSpec[] = [
      { ...spec, schematicId: 'c'.repeat(64) },
      { ...spec, talosVersion: 'v1.13.8' },
      { ...spec, platform: 'metal' },
      { ...spec, arch: 'arm64' },
      { ...spec, hardware: { ...spec.hardware, memoryMiB: 4096 } },
      { ...spec, hardware: { ...spec.hardware, diskGiB: 64 } },
      { ...spec, storage: { ...spec.storage, disks: 'zfs' } },
      { ...spec, bridge: 'vmbr1' },
    ];
    const all = new Set(variants.map(templateFingerprint));
    expect(all.size).toBe(variants.length);
    expect(all.has(fp)).toBe(false);
  });
});

describe('planTalosBuild', () => {
  const template = (over: Partial<ObservedVm> = {}): ObservedVm => ({
    vmid: 9000,
    node: 'pve',
    template: true,
    tags: ['infra', 'talos', fingerprintTag(fp)],
    description: describe_(fp),
    ...over,
  });

  it('is up to date only for a template on the node whose tag and description carry the fingerprint', () => {
    expect(planTalosBuild(spec, observed([template()]), image, NOW, RUN).status).toBe('up-to-date');
    expect(findUpToDate(spec, fp, [template({ node: 'pve2' })])).toBeUndefined();
    expect(findUpToDate(spec, fp, [template({ description: describe_('0'.repeat(64)) })])).toBeUndefined();
    expect(findUpToDate(spec, fp, [template({ tags: ['infra'] })])).toBeUndefined();
    expect(findUpToDate(spec, fp, [template({ template: false })])).toBeUndefined();
  });

  it('plans download → create → resize → template with the Talos VM settings', () => {
    const decision = planTalosBuild(spec, observed(), image, NOW, RUN);
    if (decision.status !== 'build') throw new Error('expected a build');
    const { plan } = decision;
    expect(plan.steps.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /nodes/pve/storage/local/download-url',
      'POST /nodes/pve/qemu',
      'PUT /nodes/pve/qemu/9000/resize',
      'POST /nodes/pve/qemu/9000/template',
      'PUT /nodes/pve/qemu/9000/config',
    ]);
    expect(plan.steps[2]?.params).toEqual({ disk: 'scsi0', size: `${spec.hardware.diskGiB}G` });
    expect(plan.steps[0]?.params).toEqual({
      content: 'import',
      filename: 'talos-v1.13.9-aaaaaaaaaaaa-nocloud-amd64.qcow2',
      url: image.url,
      checksum: image.sha256,
      'checksum-algorithm': 'sha256',
    });
    expect(plan.steps[1]?.params).toMatchObject({
      vmid: 9000,
      name: 'talos-v1.13.9-aaaaaaaa',
      machine: 'q35',
      bios: 'ovmf',
      efidisk0: 'local-lvm:1,efitype=4m,pre-enrolled-keys=0',
      cpu: 'host',
      scsihw: 'virtio-scsi-single',
      scsi0:
        'local-lvm:0,import-from=local:import/talos-v1.13.9-aaaaaaaaaaaa-nocloud-amd64.qcow2,iothread=1,discard=on,ssd=1',
      serial0: 'socket',
      vga: 'serial0',
      agent: 'enabled=1,fstrim_cloned_disks=1',
      balloon: 0,
      ide2: 'local-lvm:cloudinit',
      tags: `infra;talos;${fingerprintTag(fp)};infra-building;infra-run-${RUN.id}`,
    });
    // the markers go once it is a template
    expect(plan.steps.at(-1)).toMatchObject({
      kind: 'finish',
      method: 'PUT',
      path: '/nodes/pve/qemu/9000/config',
      params: { tags: `infra;talos;${fingerprintTag(fp)}` },
    });
    const description = JSON.parse(
      String(plan.steps[1]?.params['description' as never]),
    ) as TemplateDescription;
    expect(description).toMatchObject({
      fingerprint: fp,
      source: { url: image.url, checksum: `sha256:${image.sha256}` },
      identity: {
        schematicId: spec.schematicId,
        talosVersion: 'v1.13.9',
        platform: 'nocloud',
        arch: 'amd64',
      },
      builtAt: NOW.toISOString(),
      buildRun: RUN.id,
    });
  });

  it('metal has no cloud-init drive; seabios no EFI disk', () => {
    const metal = { ...spec, platform: 'metal', hardware: { ...spec.hardware, bios: 'seabios' as const } };
    const decision = planTalosBuild(metal, observed(), image, NOW, RUN);
    if (decision.status !== 'build') throw new Error('expected a build');
    const params = decision.plan.steps.find((s) => s.kind === 'create')!.params as Record<string, unknown>;
    expect(params.ide2).toBeUndefined();
    expect(params.efidisk0).toBeUndefined();
  });

  it('reuses an image volume that is already there', () => {
    const volid = 'local:import/talos-v1.13.9-aaaaaaaaaaaa-nocloud-amd64.qcow2';
    const decision = planTalosBuild(spec, observed([], { importVolumes: [volid] }), image, NOW, RUN);
    expect(decision.status === 'build' && decision.plan.steps.map((s) => s.kind)).toEqual([
      'create',
      'resize',
      'template',
      'finish',
    ]);
  });

  const leftover = (over: Partial<ObservedVm> = {}): ObservedVm =>
    template({
      template: false,
      status: 'stopped',
      name: 'talos-v1.13.9-aaaaaaaa',
      tags: ['infra', 'talos', fingerprintTag(fp), 'infra-building', 'infra-run-0123456789ab'],
      description: JSON.stringify({ ...JSON.parse(describe_(fp)), buildRun: '0123456789ab' }),
      ...over,
    });

  it('removes a VM an interrupted run of this tool left (building marker, run, name) and reuses its VMID', () => {
    const decision = planTalosBuild(spec, observed([leftover()]), image, NOW, RUN);
    if (decision.status !== 'build') throw new Error('expected a build');
    expect(decision.plan.steps.map((s) => s.kind)).toEqual([
      'destroy-partial',
      'download',
      'create',
      'resize',
      'template',
      'finish',
    ]);
    expect(decision.plan.steps[0]).toMatchObject({
      vmid: 9000,
      leftover: { runId: '0123456789ab', name: 'talos-v1.13.9-aaaaaaaa' },
    });
    expect(decision.plan.vmid).toBe(9000);
  });

  it('never counts a VM without the building marker as left over: a stopped clone carrying tag and description', () => {
    // Proxmox copies tags and description into clones: this is the user's full clone of a deleted template.
    const clone = template({ vmid: 9001, template: false, status: 'stopped', name: 'talos-worker-1' });
    const decision = planTalosBuild(spec, observed([clone]), image, NOW, RUN);
    if (decision.status !== 'build') throw new Error('expected a build');
    expect(decision.plan.steps.map((s) => s.kind)).not.toContain('destroy-partial');
    expect(decision.plan.vmid).toBe(9000);
    const notLeftovers = [
      leftover({ name: 'talos-worker-1' }), // a clone of an unfinished build: another name
      leftover({ status: 'running' }),
      leftover({ lock: 'create' }),
      leftover({ template: true, vmid: 9002, description: describe_('0'.repeat(64)) }),
      leftover({ tags: ['infra', 'talos', fingerprintTag(fp), 'infra-building'] }), // no run tag
      leftover({ description: describe_(fp) }), // the run is not in the description
      leftover({ tags: ['infra', 'talos', fingerprintTag(fp), 'infra-building', `infra-run-${RUN.id}`] }),
    ];
    for (const vm of notLeftovers) {
      const d = planTalosBuild(spec, observed([vm]), image, NOW, RUN);
      expect(d.status === 'build' && d.plan.steps.map((s) => s.kind)).not.toContain('destroy-partial');
    }
  });

  it('retargets the VM steps to another VMID (the create found the planned one taken)', () => {
    const decision = planTalosBuild(spec, observed(), image, NOW, RUN);
    if (decision.status !== 'build') throw new Error('expected a build');
    const moved = retargetSteps(decision.plan.steps, 9000, 9001);
    expect(moved.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /nodes/pve/storage/local/download-url',
      'POST /nodes/pve/qemu',
      'PUT /nodes/pve/qemu/9001/resize',
      'POST /nodes/pve/qemu/9001/template',
      'PUT /nodes/pve/qemu/9001/config',
    ]);
    expect(moved[1]?.params).toMatchObject({ vmid: 9001, name: 'talos-v1.13.9-aaaaaaaa' });
    expect(moved[3]?.title).toBe('convert VM 9001 to a template');
  });

  it('takes the lowest free VMID of the range (cluster-wide) and fails clearly when it is full', () => {
    expect(pickVmid({ start: 9000, end: 9002 }, [9000, 9002])).toBe(9001);
    const full = observed(
      [9000, 9001, 9002].map((vmid) => ({ vmid, node: 'other', template: false, tags: [] })),
    );
    expect(() => planTalosBuild(spec, full, image, NOW, RUN)).toThrow(
      expect.objectContaining({
        code: 'VMID_RANGE_EXHAUSTED',
        message: expect.stringContaining('9000–9002'),
      }),
    );
  });

  it('explains storages that cannot work, with the fix', () => {
    const noImport = observed([], {
      images: { id: 'local', type: 'dir', content: ['iso', 'vztmpl', 'backup'], fileBased: true },
    });
    expect(() => planTalosBuild(spec, noImport, image, NOW, RUN)).toThrow(
      expect.objectContaining({
        code: 'STORAGE_IMPORT_DISABLED',
        hint: expect.stringContaining('pvesm set local --content iso,vztmpl,backup,import'),
      }),
    );
    const lvm = observed([], {
      images: { id: 'local-lvm', type: 'lvmthin', content: ['images', 'import'], fileBased: false },
    });
    expect(() => planTalosBuild(spec, lvm, image, NOW, RUN)).toThrow(
      expect.objectContaining({ code: 'STORAGE_NOT_FILE_BASED' }),
    );
    const { images: _i, ...withoutImages } = observed();
    expect(() => planTalosBuild(spec, withoutImages, image, NOW, RUN)).toThrow(
      expect.objectContaining({ code: 'STORAGE_NOT_FOUND' }),
    );
  });
});

describe('planPrune', () => {
  const t = (
    vmid: number,
    builtAt: string,
    fingerprint = `${vmid}`,
    importVolume = `local:import/${vmid}.qcow2`,
  ) => ({
    vmid,
    description: JSON.parse(describe_(fingerprint, builtAt, importVolume)) as TemplateDescription,
  });

  it('keeps the current template, the N newest and templates with linked clones; removes the rest with their volumes', () => {
    const templates = [
      t(9000, '2026-01-01'),
      t(9001, '2026-02-01'),
      t(9002, '2026-03-01'),
      t(9003, '2026-04-01', 'current'),
    ];
    const plan = planPrune(templates, {
      keep: 1,
      currentFingerprint: 'current',
      usedBy: new Map([[9000, [120]]]),
    });
    expect(plan.keep.map((k) => [k.vmid, k.reason])).toEqual([
      [9003, 'matches the current configuration'],
      [9002, 'one of the 1 newest'],
      [9000, 'in use by linked clone 120'],
    ]);
    expect(plan.remove).toEqual([expect.objectContaining({ vmid: 9001, volume: 'local:import/9001.qcow2' })]);
  });

  it('keeps a volume another kept template uses, and deletes a shared volume once', () => {
    const shared = 'local:import/shared.qcow2';
    const plan = planPrune(
      [t(1, '2026-01-01', 'a', shared), t(2, '2026-02-01', 'b', shared), t(3, '2026-03-01', 'c', shared)],
      {
        keep: 0,
        currentFingerprint: 'c',
        usedBy: new Map(),
      },
    );
    expect(plan.remove.map((r) => r.volume)).toEqual([undefined, undefined]);
    const plan2 = planPrune([t(1, '2026-01-01', 'a', shared), t(2, '2026-02-01', 'b', shared)], {
      keep: 0,
      usedBy: new Map(),
    });
    expect(plan2.remove.map((r) => r.volume)).toEqual([shared, undefined]);
  });
});
