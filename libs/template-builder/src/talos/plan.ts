import { InfraError } from '@infra/cli';
import {
  fingerprintTag,
  importFileName,
  parseTemplateDescription,
  TALOS_TEMPLATE_TAGS,
  type TalosTemplateSpec,
  type TemplateDescription,
  templateFingerprint,
  templateName,
} from './spec';

/**
 * The pure part of `talos:build-image`: from the spec and what the node looks like, decide whether the
 * template is up to date and, if not, the exact API calls that build it. No I/O here: the executor runs the
 * steps, the dry run prints them.
 */
export interface ObservedVm {
  vmid: number;
  node: string;
  name?: string;
  template: boolean;
  tags: string[];
  /** Only fetched for VMs that carry a fingerprint tag. */
  description?: string;
}

export interface ObservedStorage {
  id: string;
  type: string;
  content: string[];
  /** Directory-backed storages have a path; only those can hold downloads. */
  fileBased: boolean;
}

export interface ObservedNode {
  /** Every guest in the cluster (VMIDs are cluster-wide). */
  vms: ObservedVm[];
  images?: ObservedStorage;
  disks?: ObservedStorage;
  /** Volids of the images storage's `import` content. */
  importVolumes: string[];
}

export type ApiStep =
  | {
      kind: 'destroy-partial';
      title: string;
      method: 'DELETE';
      path: string;
      params: Record<string, string | number>;
      vmid: number;
    }
  | {
      kind: 'download';
      title: string;
      method: 'POST';
      path: string;
      params: Record<string, string>;
      volid: string;
    }
  | {
      kind: 'create';
      title: string;
      method: 'POST';
      path: string;
      params: Record<string, string | number>;
      vmid: number;
    }
  | {
      kind: 'template';
      title: string;
      method: 'POST';
      path: string;
      params: Record<string, never>;
      vmid: number;
    };

export interface BuildPlan {
  fingerprint: string;
  vmid: number;
  name: string;
  volid: string;
  description: TemplateDescription;
  steps: ApiStep[];
}

export type PlanDecision =
  | { status: 'up-to-date'; fingerprint: string; template: ObservedVm; description: TemplateDescription }
  | { status: 'build'; fingerprint: string; plan: BuildPlan };

export function splitTags(raw: string | undefined): string[] {
  return (raw ?? '').split(/[;, ]+/).filter(Boolean);
}

/** A template on the spec's node with this fingerprint (tag and description agree). */
export function findUpToDate(
  spec: TalosTemplateSpec,
  fingerprint: string,
  vms: readonly ObservedVm[],
): ObservedVm | undefined {
  const tag = fingerprintTag(fingerprint);
  return vms.find(
    (vm) =>
      vm.node === spec.node &&
      vm.template &&
      vm.tags.includes(tag) &&
      parseTemplateDescription(vm.description)?.fingerprint === fingerprint,
  );
}

/** VMs that carry this build's fingerprint but never became templates: leftovers of an interrupted build. */
function partials(spec: TalosTemplateSpec, fingerprint: string, vms: readonly ObservedVm[]): ObservedVm[] {
  const tag = fingerprintTag(fingerprint);
  return vms.filter(
    (vm) =>
      vm.node === spec.node &&
      !vm.template &&
      vm.tags.includes(tag) &&
      parseTemplateDescription(vm.description)?.fingerprint === fingerprint,
  );
}

function checkStorages(spec: TalosTemplateSpec, observed: ObservedNode): void {
  const { images, disks } = observed;
  if (!images) {
    throw new InfraError(
      'STORAGE_NOT_FOUND',
      `storage "${spec.storage.images}" does not exist on node ${spec.node}`,
      {
        hint: 'set proxmox.storage.images in infra.config.yaml to a directory storage (e.g. "local")',
      },
    );
  }
  if (!images.fileBased) {
    throw new InfraError(
      'STORAGE_NOT_FILE_BASED',
      `storage "${images.id}" (type ${images.type}) cannot hold downloaded images: download-url needs a file-based storage`,
      { hint: 'set proxmox.storage.images to a dir/NFS/CIFS/CephFS storage such as "local"' },
    );
  }
  if (!images.content.includes('import')) {
    const wanted = [...images.content, 'import'].join(',');
    throw new InfraError(
      'STORAGE_IMPORT_DISABLED',
      `storage "${images.id}" does not accept "import" content (it has: ${images.content.join(', ') || 'none'}), so Proxmox cannot download the Talos disk image into it`,
      {
        hint: `enable it on the Proxmox host: \`pvesm set ${images.id} --content ${wanted}\` (or Datacenter → Storage → ${images.id} → Content: add "Import")`,
        details: { storage: images.id, content: images.content },
      },
    );
  }
  if (!disks) {
    throw new InfraError(
      'STORAGE_NOT_FOUND',
      `storage "${spec.storage.disks}" does not exist on node ${spec.node}`,
      {
        hint: 'set proxmox.storage.disks in infra.config.yaml (e.g. "local-lvm")',
      },
    );
  }
  if (!disks.content.includes('images')) {
    throw new InfraError(
      'STORAGE_NO_DISK_IMAGES',
      `storage "${disks.id}" does not accept VM disks ("images" content)`,
      {
        hint: `use a storage with "images" content for proxmox.storage.disks, or add it: \`pvesm set ${disks.id} --content ${[...disks.content, 'images'].join(',')}\``,
      },
    );
  }
}

export function pickVmid(
  range: { start: number; end: number },
  used: Iterable<number>,
  skip: Iterable<number> = [],
): number {
  const taken = new Set([...used, ...skip]);
  for (let id = range.start; id <= range.end; id++) if (!taken.has(id)) return id;
  throw new InfraError(
    'VMID_RANGE_EXHAUSTED',
    `every VMID in the template range ${range.start}–${range.end} is in use`,
    {
      hint: 'widen templates.vmidRange in infra.config.yaml, or remove old templates: `pnpm tsx scripts/talos.ts prune --apply`',
      details: { range },
    },
  );
}

export interface ImageSource {
  url: string;
  sha256: string;
}

/** The VM exactly as Talos wants it on Proxmox (siderolabs docs; peers.md §4.6). */
export function vmCreateParams(
  spec: TalosTemplateSpec,
  vmid: number,
  volid: string,
  description: TemplateDescription,
  fingerprint: string,
): Record<string, string | number> {
  const hw = spec.hardware;
  const disks = spec.storage.disks;
  const params: Record<string, string | number> = {
    vmid,
    name: templateName(spec),
    ostype: 'l26',
    machine: hw.machine,
    bios: hw.bios,
    cpu: hw.cpuType,
    cores: hw.cores,
    sockets: hw.sockets,
    memory: hw.memoryMiB,
    // Talos does not run the balloon driver: fixed memory.
    balloon: hw.balloon ? hw.memoryMiB : 0,
    scsihw: hw.scsiController,
    scsi0: `${disks}:0,import-from=${volid},iothread=1,discard=on,ssd=1`,
    boot: 'order=scsi0',
    net0: `virtio,bridge=${spec.bridge}`,
    serial0: 'socket',
    vga: 'serial0',
    agent: 'enabled=1,fstrim_cloned_disks=1',
    onboot: 0,
    tags: [...TALOS_TEMPLATE_TAGS, fingerprintTag(fingerprint)].join(';'),
    description: JSON.stringify(description),
  };
  // UEFI needs its vars disk; Talos nocloud images are not the Secure Boot build, so no pre-enrolled keys.
  if (hw.bios === 'ovmf') params.efidisk0 = `${disks}:1,efitype=4m,pre-enrolled-keys=0`;
  // The nocloud platform reads its config from a cloud-init (cidata) drive.
  if (spec.platform === 'nocloud') params.ide2 = `${disks}:cloudinit`;
  return params;
}

export function planTalosBuild(
  spec: TalosTemplateSpec,
  observed: ObservedNode,
  image: ImageSource,
  now: Date,
): PlanDecision {
  const fingerprint = templateFingerprint(spec);
  const existing = findUpToDate(spec, fingerprint, observed.vms);
  if (existing) {
    return {
      status: 'up-to-date',
      fingerprint,
      template: existing,
      description: parseTemplateDescription(existing.description)!,
    };
  }
  checkStorages(spec, observed);
  const steps: ApiStep[] = [];
  const node = spec.node;
  const stale = partials(spec, fingerprint, observed.vms);
  for (const vm of stale) {
    steps.push({
      kind: 'destroy-partial',
      title: `remove VM ${vm.vmid} left by an interrupted build`,
      method: 'DELETE',
      path: `/nodes/${node}/qemu/${vm.vmid}`,
      params: { purge: 1, 'destroy-unreferenced-disks': 1 },
      vmid: vm.vmid,
    });
  }
  const filename = importFileName(spec);
  const volid = `${spec.storage.images}:import/${filename}`;
  if (!observed.importVolumes.includes(volid)) {
    steps.push({
      kind: 'download',
      title: `download the Talos ${spec.talosVersion} disk image into ${spec.storage.images}`,
      method: 'POST',
      path: `/nodes/${node}/storage/${spec.storage.images}/download-url`,
      params: {
        content: 'import',
        filename,
        url: image.url,
        checksum: image.sha256,
        'checksum-algorithm': 'sha256',
      },
      volid,
    });
  }
  const vmid = pickVmid(
    spec.vmidRange,
    observed.vms.map((v) => v.vmid).filter((id) => !stale.some((s) => s.vmid === id)),
  );
  const description: TemplateDescription = {
    managedBy: 'infra talos:build-image',
    fingerprint,
    schematicId: spec.schematicId,
    talosVersion: spec.talosVersion,
    platform: spec.platform,
    arch: spec.arch,
    sourceUrl: image.url,
    sourceSha256: image.sha256,
    importVolume: volid,
    hardware: spec.hardware,
    builtAt: now.toISOString(),
  };
  steps.push(
    {
      kind: 'create',
      title: `create VM ${vmid} (${templateName(spec)}) from the imported disk`,
      method: 'POST',
      path: `/nodes/${node}/qemu`,
      params: vmCreateParams(spec, vmid, volid, description, fingerprint),
      vmid,
    },
    {
      kind: 'template',
      title: `convert VM ${vmid} to a template`,
      method: 'POST',
      path: `/nodes/${node}/qemu/${vmid}/template`,
      params: {},
      vmid,
    },
  );
  return {
    status: 'build',
    fingerprint,
    plan: { fingerprint, vmid, name: templateName(spec), volid, description, steps },
  };
}
