import { createHash } from 'node:crypto';
import type { VmHardware } from '@infra/config';
import { InfraError } from '@infra/core';
import type { TemplateBuilderErrorCode } from './error-codes';
import { BUILDING_TAG, type BuildRun, buildingRunId, runTag } from './run-marker';

/**
 * The pure planner of the one build pipeline (observe → plan → execute → result): from a recipe, what the node
 * looks like and the image source, decide whether the template is up to date and, if not, the exact API
 * calls that build it. No I/O here: the executor runs the steps, a dry run prints them.
 */
export interface ObservedVm {
  vmid: number;
  node: string;
  name?: string;
  template: boolean;
  tags: string[];
  /** `running`/`stopped` as the node reports it (absent for other nodes' VMs). */
  status?: string;
  /** The config lock (`create`, `clone`, …) if one is set. */
  lock?: string;
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

export type Params = Record<string, string | number>;
export type ApiStep =
  | {
      kind: 'destroy-partial';
      title: string;
      method: 'DELETE';
      path: string;
      params: Params;
      vmid: number;
      /** Checked again right before the delete: the run marker and name the leftover had when observed. */
      leftover: { runId: string; name: string };
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
      kind: 'upload';
      title: string;
      method: 'POST';
      path: string;
      /** content, filename, checksum, checksum-algorithm (the file itself goes as the multipart file part). */
      params: Record<string, string>;
      volid: string;
      /** The local file sent (`images.<os>.source.path`), already checked against the pin. */
      localPath: string;
    }
  | { kind: 'create'; title: string; method: 'POST'; path: string; params: Params; vmid: number }
  | {
      kind: 'resize';
      title: string;
      method: 'PUT';
      path: string;
      params: Record<string, string>;
      disk: 'scsi0';
      size: string;
      vmid: number;
    }
  | {
      kind: 'template';
      title: string;
      method: 'POST';
      path: string;
      params: Record<string, never>;
      vmid: number;
    }
  | {
      kind: 'finish';
      title: string;
      method: 'PUT';
      path: string;
      /** The finished template's tags (the build markers removed). */
      params: { tags: string };
      vmid: number;
    };

/** The steps that act on the VM this run creates (their VMID moves when the create finds it taken). */
type VmStep = Extract<ApiStep, { kind: 'create' | 'resize' | 'template' | 'finish' }>;

/** A build that is not up to date: where the template goes, its description and the steps. */
export interface ImagePlan {
  fingerprint: string;
  vmid: number;
  name: string;
  /** The build run whose markers the new VM carries until it is a template. */
  runId: string;
  volid: string;
  description: TemplateDescription;
  steps: ApiStep[];
}

/** Either the template exists (its VM and description) or the plan that builds it. */
export type ImageDecision =
  | { status: 'up-to-date'; fingerprint: string; template: ObservedVm; description: TemplateDescription }
  | { status: 'build'; fingerprint: string; plan: ImagePlan };

/** Where templates live: the node, its two storages and the VMID range. */
export interface TemplatePlacement {
  node: string;
  storage: { images: string; disks: string };
  vmidRange: { start: number; end: number };
}

/** Reads a VM description written by this tool (undefined: not ours). */
export type ReadDescription = (
  description: string | undefined,
) => { fingerprint: string; buildRun?: string } | undefined;

/** Bump when the shared VM recipe or the step list changes, so existing templates are rebuilt. */
export const RECIPE_VERSION = 2;
export const MANAGED_BY = 'infra build-image';

/** The image a build downloads: `<images storage>:import/<filename>`, verified by Proxmox with the checksum. */
export interface ImageSource {
  url: string;
  filename: string;
  algorithm: 'sha256' | 'sha512';
  checksum: string;
}

/** What a template's description holds (JSON), so a human and the next build can see what it is. */
export interface TemplateDescription {
  managedBy: typeof MANAGED_BY;
  os: string;
  fingerprint: string;
  /** The build run that made it (its marker tags are removed once it is a template). */
  buildRun: string;
  builtAt: string;
  source: { url: string; checksum: string };
  importVolume: string;
  hardware: VmHardware;
  /** The recipe's own identity (Talos: schematicId, talosVersion, platform, arch; cloud images: version). */
  identity: Record<string, string>;
}

/** The part of a recipe the planner needs (pure data; `recipe.ts` has the whole interface). */
export interface PlannedRecipe {
  os: string;
  placement: TemplatePlacement;
  bridge: string;
  hardware: VmHardware;
  /** Everything else that defines the template (schematic, version, source, …); hashed into the fingerprint. */
  fingerprintInputs: Record<string, unknown>;
  templateName(fingerprint: string): string;
  /** Names the image in titles and errors, e.g. "the Talos v1.13.9 disk image". */
  what: string;
  /** Tags besides the fingerprint tag, e.g. `infra`, `talos`. */
  tags: string[];
  identity: Record<string, string>;
  /** Create parameters beyond the shared ones (cloud-init drive, network config). */
  vmExtras(disks: string): Params;
}

/** sha256 over what defines the template (the VMID range and node are where it lives, not what it is). */
export function templateFingerprint(recipe: PlannedRecipe): string {
  const material = {
    recipe: RECIPE_VERSION,
    os: recipe.os,
    ...recipe.fingerprintInputs,
    hardware: recipe.hardware,
    storage: recipe.placement.storage,
    bridge: recipe.bridge,
  };
  return createHash('sha256').update(stableJson(material)).digest('hex');
}

export const parseTemplateDescription = (text: string | undefined) =>
  parseManagedDescription<TemplateDescription>(text, MANAGED_BY);

export function splitTags(raw: string | undefined): string[] {
  return (raw ?? '').split(/[;, ]+/).filter(Boolean);
}

/** A VM description written by a builder (JSON with `managedBy` and `fingerprint`), or undefined if not ours. */
export function parseManagedDescription<D extends { fingerprint: string }>(
  text: string | undefined,
  managedBy: string,
): D | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as { managedBy?: unknown; fingerprint?: unknown };
    return value.managedBy === managedBy && typeof value.fingerprint === 'string' ? (value as D) : undefined;
  } catch {
    return undefined;
  }
}

/** The template on `node` whose tag and description carry this fingerprint. */
export const findTemplate = (
  node: string,
  fingerprint: string,
  vms: readonly ObservedVm[],
  readDescription: ReadDescription,
): ObservedVm | undefined => {
  const tag = fingerprintTag(fingerprint);
  return vms.find(
    (vm) =>
      vm.node === node &&
      vm.template &&
      vm.tags.includes(tag) &&
      readDescription(vm.description)?.fingerprint === fingerprint,
  );
};

/** Proxmox tags allow lowercase letters, digits and `-_+.`; 24 hex digits are plenty to tell builds apart. */
export const fingerprintTag = (fingerprint: string) => `fp-${fingerprint.slice(0, 24)}`;

/**
 * Unfinished builds of this template that an interrupted run left behind (issue: clones carry the fingerprint
 * tag and description too). Only a VM with all of these counts: not a template, stopped, no config lock, the
 * `infra-building` marker with one run tag, the same run id in its description, this fingerprint in tag and
 * description, and the name this fingerprint's template gets. `ownRun` (a live run) is never a leftover.
 */
export function leftoverBuilds(
  node: string,
  fingerprint: string,
  name: string,
  vms: readonly ObservedVm[],
  readDescription: ReadDescription,
  ownRun: string,
): Array<ObservedVm & { runId: string }> {
  const tag = fingerprintTag(fingerprint);
  const found: Array<ObservedVm & { runId: string }> = [];
  for (const vm of vms) {
    const runId = buildingRunId(vm.tags);
    const description = readDescription(vm.description);
    if (
      vm.node === node &&
      !vm.template &&
      vm.status === 'stopped' &&
      vm.lock === undefined &&
      runId !== undefined &&
      runId !== ownRun &&
      vm.tags.includes(tag) &&
      vm.name === name &&
      description?.fingerprint === fingerprint &&
      description.buildRun === runId
    )
      found.push({ ...vm, runId });
  }
  return found;
}

/**
 * The images storage can take a download of `content` (`import` for disk images, `iso` for install media): it
 * exists, is file-based (download-url needs that) and accepts that content; otherwise the error with the fix.
 * `what` names the download in messages.
 */
export function checkImagesStorage(
  placement: TemplatePlacement,
  images: ObservedStorage | undefined,
  content: 'import' | 'iso',
  what: string,
): void {
  const { node, storage } = placement;
  if (!images) {
    throw new InfraError<TemplateBuilderErrorCode>(
      'STORAGE_NOT_FOUND',
      `storage "${storage.images}" does not exist on node ${node}`,
      {
        hint: 'set proxmox.storage.images in infra.config.yaml to a directory storage (e.g. "local")',
      },
    );
  }
  if (!images.fileBased) {
    throw new InfraError<TemplateBuilderErrorCode>(
      'STORAGE_NOT_FILE_BASED',
      `storage "${images.id}" (type ${images.type}) cannot hold ${what}: download-url needs a file-based storage`,
      { hint: 'set proxmox.storage.images to a dir/NFS/CIFS/CephFS storage such as "local"' },
    );
  }
  if (!images.content.includes(content)) {
    const wanted = [...images.content, content].join(',');
    const label = content === 'iso' ? 'ISO image' : 'Import';
    throw new InfraError<TemplateBuilderErrorCode>(
      content === 'iso' ? 'STORAGE_ISO_DISABLED' : 'STORAGE_IMPORT_DISABLED',
      `storage "${images.id}" does not accept "${content}" content (it has: ${images.content.join(', ') || 'none'}), so Proxmox cannot download ${what} into it`,
      {
        hint: `enable it on the Proxmox host: \`pvesm set ${images.id} --content ${wanted}\` (or Datacenter → Storage → ${images.id} → Content: add "${label}")`,
        details: { storage: images.id, content: images.content },
      },
    );
  }
}

/** Storage problems fail before any change, each with the fix. `what` names the image in messages. */
export function checkStorages(placement: TemplatePlacement, observed: ObservedNode, what: string): void {
  const { disks } = observed;
  const { node, storage } = placement;
  checkImagesStorage(placement, observed.images, 'import', what);
  if (!disks) {
    throw new InfraError<TemplateBuilderErrorCode>(
      'STORAGE_NOT_FOUND',
      `storage "${storage.disks}" does not exist on node ${node}`,
      {
        hint: 'set proxmox.storage.disks in infra.config.yaml (e.g. "local-lvm")',
      },
    );
  }
  if (!disks.content.includes('images')) {
    throw new InfraError<TemplateBuilderErrorCode>(
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
  throw new InfraError<TemplateBuilderErrorCode>(
    'VMID_RANGE_EXHAUSTED',
    `every VMID in the template range ${range.start}–${range.end} is in use`,
    {
      hint: 'widen templates.vmidRange in infra.config.yaml, or remove old templates: `./infra talos prune --apply`',
      details: { range },
    },
  );
}

export interface ImageStepsInput {
  placement: TemplatePlacement;
  fingerprint: string;
  readDescription: ReadDescription;
  run: BuildRun;
  /** Names the image in titles and errors, e.g. "the Talos v1.13.9 disk image". */
  what: string;
  /** Download into `<images>:import/<filename>` (a `.qcow2` name), verified by Proxmox with the checksum. */
  download: ImageSource;
  name: string;
  /** The recipe's create parameters; `tags` without the build markers (the planner adds them). */
  createParams: (vmid: number, volid: string) => Params;
  /** The template's boot disk is grown to this size (the image's own disk is usually 2-4 GiB). */
  diskGiB: number;
}

/** The steps of a build that is not up to date: remove leftovers, download (unless present), create, resize, template, finish. */
export function planImageSteps(
  input: ImageStepsInput,
  observed: ObservedNode,
): { vmid: number; volid: string; steps: ApiStep[] } {
  const { placement, fingerprint, download } = input;
  const node = placement.node;
  checkStorages(placement, observed, input.what);
  const stale = leftoverBuilds(
    node,
    fingerprint,
    input.name,
    observed.vms,
    input.readDescription,
    input.run.id,
  );
  const steps: ApiStep[] = stale.map((vm) => ({
    kind: 'destroy-partial',
    title: `remove VM ${vm.vmid}, left unfinished by build run ${vm.runId}`,
    method: 'DELETE',
    path: `/nodes/${node}/qemu/${vm.vmid}`,
    params: { purge: 1, 'destroy-unreferenced-disks': 1 },
    vmid: vm.vmid,
    leftover: { runId: vm.runId, name: input.name },
  }));
  const volid = `${placement.storage.images}:import/${download.filename}`;
  if (!observed.importVolumes.includes(volid)) {
    steps.push({
      kind: 'download',
      title: `download ${input.what} into ${placement.storage.images}`,
      method: 'POST',
      path: `/nodes/${node}/storage/${placement.storage.images}/download-url`,
      params: {
        content: 'import',
        filename: download.filename,
        url: download.url,
        checksum: download.checksum,
        'checksum-algorithm': download.algorithm,
      },
      volid,
    });
  }
  const staleIds = new Set(stale.map((s) => s.vmid));
  const vmid = pickVmid(
    placement.vmidRange,
    observed.vms.map((v) => v.vmid).filter((id) => !staleIds.has(id)),
  );
  steps.push(...vmSteps(input, node, vmid, volid));
  return { vmid, volid, steps };
}

/** create (with the build markers) → resize → template → finish (markers removed), for one VMID. */
function vmSteps(input: ImageStepsInput, node: string, vmid: number, volid: string): VmStep[] {
  const params = input.createParams(vmid, volid);
  const tags = splitTags(String(params.tags ?? ''));
  return [
    {
      kind: 'create',
      title: `create VM ${vmid} (${input.name}) from the imported disk`,
      method: 'POST',
      path: `/nodes/${node}/qemu`,
      params: { ...params, tags: [...tags, BUILDING_TAG, runTag(input.run)].join(';') },
      vmid,
    },
    {
      kind: 'resize',
      title: `grow the disk of VM ${vmid} to ${input.diskGiB} GiB`,
      method: 'PUT',
      path: `/nodes/${node}/qemu/${vmid}/resize`,
      params: { disk: 'scsi0', size: `${input.diskGiB}G` },
      disk: 'scsi0',
      size: `${input.diskGiB}G`,
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
    {
      kind: 'finish',
      title: `remove the build markers from template ${vmid}`,
      method: 'PUT',
      path: `/nodes/${node}/qemu/${vmid}/config`,
      params: { tags: tags.join(';') },
      vmid,
    },
  ];
}

/** The same steps aimed at another VMID (the create found `from` taken by someone else). */
export function retargetSteps(steps: readonly ApiStep[], from: number, to: number): ApiStep[] {
  const path = (p: string) =>
    p.replace(`/qemu/${from}/`, `/qemu/${to}/`).replace(new RegExp(`/qemu/${from}$`), `/qemu/${to}`);
  const title = (t: string) => t.replace(new RegExp(`\\b${from}\\b`, 'g'), String(to));
  return steps.map((step): ApiStep => {
    if (
      step.kind === 'download' ||
      step.kind === 'upload' ||
      step.kind === 'destroy-partial' ||
      step.vmid !== from
    )
      return step;
    const moved = { ...step, vmid: to, path: path(step.path), title: title(step.title) };
    return moved.kind === 'create' ? { ...moved, params: { ...moved.params, vmid: to } } : moved;
  });
}

/**
 * The VM settings every golden template shares (Talos and cloud images; Talos's Proxmox guide,
 * https://www.talos.dev/latest/talos-guides/install/virtualized-platforms/proxmox/): q35/UEFI with a 4m vars
 * disk without pre-enrolled keys (neither image is the Secure Boot build), the imported disk on VirtIO SCSI with
 * an iothread, a serial console (both log to ttyS0), the guest agent, and the hardware from the config.
 */
export function importedDiskVmParams(
  hw: VmHardware,
  disks: string,
  volid: string,
): Record<string, string | number> {
  return {
    ostype: 'l26',
    machine: hw.machine,
    bios: hw.bios,
    ...(hw.bios === 'ovmf' ? { efidisk0: `${disks}:1,efitype=4m,pre-enrolled-keys=0` } : {}),
    cpu: hw.cpuType,
    cores: hw.cores,
    sockets: hw.sockets,
    memory: hw.memoryMiB,
    balloon: hw.balloon ? hw.memoryMiB : 0,
    scsihw: hw.scsiController,
    scsi0: `${disks}:0,import-from=${volid},iothread=1,discard=on,ssd=1`,
    boot: 'order=scsi0',
    serial0: 'socket',
    vga: 'serial0',
    agent: 'enabled=1,fstrim_cloned_disks=1',
  };
}

/** JSON with sorted keys and no undefined values: the stable input of a fingerprint. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The template on the recipe's node with this fingerprint, if any. */
export const findUpToDate = (
  recipe: Pick<PlannedRecipe, 'placement'>,
  fingerprint: string,
  vms: readonly ObservedVm[],
) => findTemplate(recipe.placement.node, fingerprint, vms, parseTemplateDescription);

/** Up to date, or the steps that build the template (leftovers, download, create, resize, template, finish). */
export function planBuild(
  recipe: PlannedRecipe,
  observed: ObservedNode,
  source: ImageSource,
  now: Date,
  run: BuildRun,
): ImageDecision {
  const fingerprint = templateFingerprint(recipe);
  const existing = findUpToDate(recipe, fingerprint, observed.vms);
  const existingDescription = parseTemplateDescription(existing?.description);
  if (existing && existingDescription)
    return { status: 'up-to-date', fingerprint, template: existing, description: existingDescription };
  const name = recipe.templateName(fingerprint);
  const { storage } = recipe.placement;
  const description: TemplateDescription = {
    managedBy: MANAGED_BY,
    os: recipe.os,
    fingerprint,
    buildRun: run.id,
    builtAt: now.toISOString(),
    source: { url: source.url, checksum: `${source.algorithm}:${source.checksum}` },
    importVolume: `${storage.images}:import/${source.filename}`,
    hardware: recipe.hardware,
    identity: recipe.identity,
  };
  const { vmid, volid, steps } = planImageSteps(
    {
      placement: recipe.placement,
      fingerprint,
      readDescription: parseTemplateDescription,
      run,
      what: recipe.what,
      download: source,
      name,
      createParams: (id, vol) => ({
        vmid: id,
        name,
        ...importedDiskVmParams(recipe.hardware, storage.disks, vol),
        ...recipe.vmExtras(storage.disks),
        net0: `virtio,bridge=${recipe.bridge}`,
        onboot: 0,
        tags: [...recipe.tags, fingerprintTag(fingerprint)].join(';'),
        description: JSON.stringify(description),
      }),
      diskGiB: recipe.hardware.diskGiB,
    },
    observed,
  );
  return {
    status: 'build',
    fingerprint,
    plan: { fingerprint, vmid, name, runId: run.id, volid, description, steps },
  };
}
