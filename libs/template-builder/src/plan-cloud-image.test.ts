import { describe, expect, it } from 'vitest';
import { hasProxmoxPlugin, packerSkipReason } from './golden/packer';
import { type ObservedNode, planBuild, templateFingerprint } from './plan';
import { cloudImageFileName, cloudPlannedRecipe } from './recipes/cloud-image';
import type { BuildRun } from './run-marker';

// The pure planner with the cloud-image recipe (Talos: plan.test.ts).
interface CloudImageSpec {
  os: string;
  version: string;
  node: string;
  bridge: string;
  storage: { images: string; disks: string };
  vmidRange: { start: number; end: number };
  source: { url: string; algorithm: 'sha256' | 'sha512'; checksum: string };
  hardware: Parameters<typeof cloudPlannedRecipe>[0]['hardware'];
}
const recipeOf = (s: CloudImageSpec) =>
  cloudPlannedRecipe({
    os: s.os,
    version: s.version,
    source: s.source,
    hardware: s.hardware,
    placement: { node: s.node, storage: s.storage, vmidRange: s.vmidRange },
    bridge: s.bridge,
  });
const cloudImageFingerprint = (s: CloudImageSpec) => templateFingerprint(recipeOf(s));
const planCloudImageBuild = (s: CloudImageSpec, o: ObservedNode, now: Date, run: BuildRun) =>
  planBuild(recipeOf(s), o, { ...s.source, filename: cloudImageFileName(s.os, s.source) }, now, run);

const spec: CloudImageSpec = {
  os: 'debian',
  version: '13',
  node: 'pve',
  bridge: 'vmbr0',
  storage: { images: 'local', disks: 'local-lvm' },
  vmidRange: { start: 9000, end: 9002 },
  source: {
    url: 'https://cloud.debian.org/images/cloud/trixie/20250924-2245/debian-13-genericcloud-amd64-20250924-2245.qcow2',
    algorithm: 'sha512',
    checksum: 'c'.repeat(128),
  },
  hardware: {
    cores: 2,
    sockets: 1,
    memoryMiB: 2048,
    diskGiB: 16,
    cpuType: 'host',
    machine: 'q35',
    bios: 'ovmf',
    scsiController: 'virtio-scsi-single',
    balloon: false,
  },
};
const observed: ObservedNode = {
  vms: [{ vmid: 9000, node: 'pve', template: false, tags: [] }],
  images: { id: 'local', type: 'dir', content: ['iso', 'import'], fileBased: true },
  disks: { id: 'local-lvm', type: 'lvmthin', content: ['images', 'rootdir'], fileBased: false },
  importVolumes: [],
};
const NOW = new Date('2026-11-22T00:00:00Z');
const RUN = { id: 'bbbbbbbbbbbb' };

describe('cloud-image fingerprint', () => {
  it('changes with what defines the template (the image by its checksum), not with where it lives or is fetched from', () => {
    const fp = cloudImageFingerprint(spec);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    const changed = [
      { ...spec, version: '14' },
      { ...spec, source: { ...spec.source, checksum: 'd'.repeat(128) } },
      { ...spec, source: { ...spec.source, algorithm: 'sha256' as const, checksum: 'c'.repeat(64) } },
      { ...spec, hardware: { ...spec.hardware, cores: 4 } },
      { ...spec, bridge: 'vmbr1' },
      { ...spec, storage: { ...spec.storage, disks: 'ceph' } },
      { ...spec, os: 'ubuntu' },
    ].map(cloudImageFingerprint);
    expect(new Set([fp, ...changed]).size).toBe(8);
    expect(cloudImageFingerprint({ ...spec, node: 'pve2', vmidRange: { start: 100, end: 200 } })).toBe(fp);
    // The embedded image mirror listens on another port every run: same bytes, same template.
    const mirrored = {
      ...spec,
      source: { ...spec.source, url: 'http://127.0.0.1:41234/debian/source/d.qcow2' },
    };
    expect(cloudImageFingerprint(mirrored)).toBe(fp);
  });

  it('the imported file keeps the qcow2 name, is content-addressed, and non-qcow2 URLs are refused', () => {
    expect(cloudImageFileName(spec.os, spec.source)).toBe(
      'debian-13-genericcloud-amd64-20250924-2245-cccccccccccc.qcow2',
    );
    // Ubuntu publishes its qcow2 cloud image as `.img`; Proxmox imports only qcow2/raw/vmdk/ova names.
    const ubuntu = {
      url: 'https://cloud-images.ubuntu.com/noble/ubuntu-24.04-server-cloudimg-amd64.img',
      checksum: 'e'.repeat(64),
    };
    expect(cloudImageFileName('ubuntu', ubuntu)).toBe(
      'ubuntu-24.04-server-cloudimg-amd64-eeeeeeeeeeee.qcow2',
    );
    const raw = { ...spec, source: { ...spec.source, url: 'https://example.org/debian.raw.xz' } };
    expect(() => cloudImageFileName(raw.os, raw.source)).toThrow(
      expect.objectContaining({ code: 'IMAGE_NOT_QCOW2' }),
    );
  });
});

describe('planCloudImageBuild', () => {
  it('plans download (sha512 from the config) → create with the cloud VM recipe → template, on the next free VMID', () => {
    const decision = planCloudImageBuild(spec, observed, NOW, RUN);
    if (decision.status !== 'build') throw new Error('expected a build');
    const { plan } = decision;
    expect(plan.vmid).toBe(9001);
    expect(plan.name).toBe(`debian-13-${plan.fingerprint.slice(0, 8)}`);
    expect(plan.steps.map((s) => `${s.kind} ${s.method} ${s.path}`)).toEqual([
      'download POST /nodes/pve/storage/local/download-url',
      'create POST /nodes/pve/qemu',
      'resize PUT /nodes/pve/qemu/9001/resize',
      'template POST /nodes/pve/qemu/9001/template',
      'finish PUT /nodes/pve/qemu/9001/config',
    ]);
    expect(plan.steps[2]?.params).toEqual({ disk: 'scsi0', size: `${spec.hardware.diskGiB}G` });
    expect(plan.steps[0]?.params).toEqual({
      content: 'import',
      filename: 'debian-13-genericcloud-amd64-20250924-2245-cccccccccccc.qcow2',
      url: spec.source.url,
      checksum: 'c'.repeat(128),
      'checksum-algorithm': 'sha512',
    });
    expect(plan.steps[1]?.params).toMatchObject({
      vmid: 9001,
      machine: 'q35',
      bios: 'ovmf',
      efidisk0: 'local-lvm:1,efitype=4m,pre-enrolled-keys=0',
      cpu: 'host',
      scsihw: 'virtio-scsi-single',
      scsi0: `local-lvm:0,import-from=${plan.volid},iothread=1,discard=on,ssd=1`,
      serial0: 'socket',
      agent: 'enabled=1,fstrim_cloned_disks=1',
      balloon: 0,
      ide2: 'local-lvm:cloudinit',
      ipconfig0: 'ip=dhcp',
      net0: 'virtio,bridge=vmbr0',
      tags: `infra;debian;fp-${plan.fingerprint.slice(0, 24)};infra-building;infra-run-${RUN.id}`,
    });
    expect(plan.steps.at(-1)?.params).toEqual({ tags: `infra;debian;fp-${plan.fingerprint.slice(0, 24)}` });
    expect(JSON.parse(String(plan.steps[1]?.params['description' as never]))).toEqual(plan.description);
    expect(plan.description).toMatchObject({
      os: 'debian',
      identity: { version: '13' },
      builtAt: NOW.toISOString(),
      buildRun: RUN.id,
    });
  });

  it('is up to date when a template carries the fingerprint in tag and description; a leftover VM is removed first', () => {
    const first = planCloudImageBuild(spec, observed, NOW, RUN);
    if (first.status !== 'build') throw new Error('expected a build');
    const tags = ['infra', 'debian', `fp-${first.fingerprint.slice(0, 24)}`];
    const description = JSON.stringify(first.plan.description);
    const done = { vmid: 9001, node: 'pve', template: true, tags, description };
    expect(planCloudImageBuild(spec, { ...observed, vms: [done] }, NOW, RUN)).toMatchObject({
      status: 'up-to-date',
      template: { vmid: 9001 },
      description: first.plan.description,
    });
    const partial = {
      ...done,
      template: false,
      status: 'stopped',
      name: first.plan.name,
      tags: [...tags, 'infra-building', 'infra-run-0123456789ab'],
      description: JSON.stringify({ ...first.plan.description, buildRun: '0123456789ab' }),
    };
    const again = planCloudImageBuild(
      spec,
      { ...observed, vms: [partial], importVolumes: [first.plan.volid] },
      NOW,
      RUN,
    );
    expect(again.status === 'build' && again.plan.steps.map((s) => s.kind)).toEqual([
      'destroy-partial',
      'create',
      'resize',
      'template',
      'finish',
    ]);
    // the same VM without the building marker (a user's clone of a deleted template) is never removed
    const clone = { ...done, template: false, status: 'stopped', name: first.plan.name };
    const kept = planCloudImageBuild(spec, { ...observed, vms: [clone] }, NOW, RUN);
    expect(kept.status === 'build' && kept.plan.steps.map((s) => s.kind)).toEqual([
      'download',
      'create',
      'resize',
      'template',
      'finish',
    ]);
    const talosLike = { ...done, description: JSON.stringify({ ...first.plan.description, managedBy: 'x' }) };
    expect(planCloudImageBuild(spec, { ...observed, vms: [talosLike] }, NOW, RUN).status).toBe('build');
  });
});

describe('Packer stage decision', () => {
  const ready = { baseOnly: false, runsGuests: true, packerFound: true, pluginInstalled: true };
  it('runs only on a host that runs guests, with packer and the proxmox plugin; otherwise says why', () => {
    expect(packerSkipReason(ready)).toBeUndefined();
    expect(packerSkipReason({ ...ready, baseOnly: true, runsGuests: false })).toMatch(/^--base-only/);
    expect(packerSkipReason({ ...ready, runsGuests: false })).toMatch(/simulator runs no guests/);
    expect(packerSkipReason({ ...ready, packerFound: false, pluginInstalled: false })).toMatch(
      /packer is not installed/,
    );
    expect(packerSkipReason({ ...ready, pluginInstalled: false })).toMatch(
      /github\.com\/hashicorp\/proxmox plugin is not installed/,
    );
  });

  it('reads `packer plugins installed` output', () => {
    const line =
      '/root/.cache/infra/packer/plugins/github.com/hashicorp/proxmox/packer-plugin-proxmox_v1.2.3_x5.0_linux_amd64';
    expect(hasProxmoxPlugin(`${line}\n`)).toBe(true);
    expect(
      hasProxmoxPlugin('/x/github.com/hashicorp/qemu/packer-plugin-qemu_v1.1.0_x5.0_linux_amd64\n'),
    ).toBe(false);
    expect(hasProxmoxPlugin('')).toBe(false);
  });
});
