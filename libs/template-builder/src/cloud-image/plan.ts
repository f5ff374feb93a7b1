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
  CLOUD_IMAGE_MANAGED_BY,
  type CloudImageDescription,
  type CloudImageSpec,
  cloudImageFileName,
  cloudImageFingerprint,
  cloudImageTemplateName,
  parseCloudImageDescription,
} from './spec';

/**
 * The pure part of `<os>:build-image` for cloud images: decide whether the base template is up to date and,
 * if not, the API calls that build it. The step list is the shared planner's; this file owns the VM recipe.
 */
export type CloudImagePlan = ImagePlan<CloudImageDescription>;

export type CloudImageDecision = ImageDecision<CloudImageDescription>;

/** A generic cloud-image VM: UEFI q35, VirtIO SCSI single with an iothread, serial console, agent, DHCP via cloud-init. */
export function cloudImageVmParams(
  spec: CloudImageSpec,
  vmid: number,
  volid: string,
  description: CloudImageDescription,
): Record<string, string | number> {
  const disks = spec.storage.disks;
  return {
    vmid,
    name: cloudImageTemplateName(spec, description.fingerprint),
    ...importedDiskVmParams(spec.hardware, disks, volid),
    // Cloud images configure users, keys and network from the cloud-init drive; DHCP until a clone says otherwise.
    ide2: `${disks}:cloudinit`,
    ipconfig0: 'ip=dhcp',
    net0: `virtio,bridge=${spec.bridge}`,
    onboot: 0,
    tags: ['infra', spec.os, fingerprintTag(description.fingerprint)].join(';'),
    description: JSON.stringify(description),
  };
}

/** The base template on the spec's node whose tag and description carry this fingerprint. */
export const findCloudImageTemplate = (
  spec: Pick<CloudImageSpec, 'node'>,
  fingerprint: string,
  vms: readonly ObservedVm[],
) => findTemplate(spec.node, fingerprint, vms, parseCloudImageDescription);

export function planCloudImageBuild(
  spec: CloudImageSpec,
  observed: ObservedNode,
  now: Date,
  run: BuildRun,
): CloudImageDecision {
  const fingerprint = cloudImageFingerprint(spec);
  const name = cloudImageTemplateName(spec, fingerprint);
  const existing = findCloudImageTemplate(spec, fingerprint, observed.vms);
  const existingDescription = parseCloudImageDescription(existing?.description);
  if (existing && existingDescription) {
    return { status: 'up-to-date', fingerprint, template: existing, description: existingDescription };
  }
  const filename = cloudImageFileName(spec);
  const description: CloudImageDescription = {
    managedBy: CLOUD_IMAGE_MANAGED_BY,
    os: spec.os,
    version: spec.version,
    fingerprint,
    source: { url: spec.source.url, checksum: `${spec.source.algorithm}:${spec.source.checksum}` },
    importVolume: `${spec.storage.images}:import/${filename}`,
    hardware: spec.hardware,
    builtAt: now.toISOString(),
    buildRun: run.id,
  };
  const { vmid, volid, steps } = planImageSteps(
    {
      placement: spec,
      fingerprint,
      readDescription: parseCloudImageDescription,
      run,
      what: `the ${spec.os} ${spec.version} cloud image`,
      download: { filename, ...spec.source },
      name,
      createParams: (id, vol) => cloudImageVmParams(spec, id, vol, description),
      diskGiB: spec.hardware.diskGiB,
    },
    observed,
  );
  return {
    status: 'build',
    fingerprint,
    plan: { fingerprint, vmid, name, runId: run.id, volid, description, steps },
  };
}
