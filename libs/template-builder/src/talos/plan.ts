import {
  findTemplate,
  fingerprintTag,
  type ImageDecision,
  type ImagePlan,
  importedDiskVmParams,
  type ObservedNode,
  type ObservedVm,
  planImageSteps,
} from '../image-plan';
import type { BuildRun } from '../run-marker';
import {
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
 * template is up to date and, if not, the exact API calls that build it (the step list is the shared
 * `planImageSteps`). No I/O here: the executor runs the steps, the dry run prints them.
 */
export {
  type ApiStep,
  type ObservedNode,
  type ObservedStorage,
  type ObservedVm,
  pickVmid,
  splitTags,
} from '../image-plan';

export type BuildPlan = ImagePlan<TemplateDescription>;

export type PlanDecision = ImageDecision<TemplateDescription>;

/** A template on the spec's node with this fingerprint (tag and description agree). */
export function findUpToDate(
  spec: Pick<TalosTemplateSpec, 'node'>,
  fingerprint: string,
  vms: readonly ObservedVm[],
): ObservedVm | undefined {
  return findTemplate(spec.node, fingerprint, vms, parseTemplateDescription);
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
  const disks = spec.storage.disks;
  const params: Record<string, string | number> = {
    vmid,
    name: templateName(spec),
    // Talos does not run the balloon driver: fixed memory unless the config asks otherwise.
    ...importedDiskVmParams(spec.hardware, disks, volid),
    net0: `virtio,bridge=${spec.bridge}`,
    onboot: 0,
    tags: [...TALOS_TEMPLATE_TAGS, fingerprintTag(fingerprint)].join(';'),
    description: JSON.stringify(description),
  };
  // The nocloud platform reads its config from a cloud-init (cidata) drive.
  if (spec.platform === 'nocloud') params.ide2 = `${disks}:cloudinit`;
  return params;
}

export function planTalosBuild(
  spec: TalosTemplateSpec,
  observed: ObservedNode,
  image: ImageSource,
  now: Date,
  run: BuildRun,
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
  const filename = importFileName(spec);
  const description: TemplateDescription = {
    managedBy: 'infra talos:build-image',
    fingerprint,
    schematicId: spec.schematicId,
    talosVersion: spec.talosVersion,
    platform: spec.platform,
    arch: spec.arch,
    sourceUrl: image.url,
    sourceSha256: image.sha256,
    importVolume: `${spec.storage.images}:import/${filename}`,
    hardware: spec.hardware,
    builtAt: now.toISOString(),
    buildRun: run.id,
  };
  const { vmid, volid, steps } = planImageSteps(
    {
      placement: spec,
      fingerprint,
      readDescription: parseTemplateDescription,
      run,
      what: `the Talos ${spec.talosVersion} disk image`,
      download: { filename, url: image.url, checksum: image.sha256, algorithm: 'sha256' },
      name: templateName(spec),
      createParams: (id, vol) => vmCreateParams(spec, id, vol, description, fingerprint),
      diskGiB: spec.hardware.diskGiB,
    },
    observed,
  );
  return {
    status: 'build',
    fingerprint,
    plan: { fingerprint, vmid, name: templateName(spec), runId: run.id, volid, description, steps },
  };
}
