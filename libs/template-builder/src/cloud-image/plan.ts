import {
  type ApiStep,
  fingerprintTag,
  type ObservedNode,
  type ObservedVm,
  planImageSteps,
  vmsWithFingerprint,
} from '../image-plan';
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
export interface CloudImagePlan {
  fingerprint: string;
  vmid: number;
  name: string;
  volid: string;
  description: CloudImageDescription;
  steps: ApiStep[];
}

export type CloudImageDecision =
  | { status: 'up-to-date'; fingerprint: string; vmid: number; name: string }
  | { status: 'build'; fingerprint: string; plan: CloudImagePlan };

export const readCloudImageFingerprint = (text: string | undefined) =>
  parseCloudImageDescription(text)?.fingerprint;

/** A generic cloud-image VM: UEFI q35, VirtIO SCSI single with an iothread, serial console, agent, DHCP via cloud-init. */
export function cloudImageVmParams(
  spec: CloudImageSpec,
  vmid: number,
  volid: string,
  description: CloudImageDescription,
): Record<string, string | number> {
  const hw = spec.hardware;
  const disks = spec.storage.disks;
  return {
    vmid,
    name: cloudImageTemplateName(spec, description.fingerprint),
    ostype: 'l26',
    machine: hw.machine,
    bios: hw.bios,
    ...(hw.bios === 'ovmf' ? { efidisk0: `${disks}:1,efitype=4m,pre-enrolled-keys=0` } : {}),
    cpu: hw.cpuType,
    cores: hw.cores,
    sockets: hw.sockets,
    memory: hw.memoryMiB,
    // General-purpose guests run the balloon driver; 0 turns ballooning off when the config says so.
    balloon: hw.balloon ? hw.memoryMiB : 0,
    scsihw: hw.scsiController,
    scsi0: `${disks}:0,import-from=${volid},iothread=1,discard=on,ssd=1`,
    boot: 'order=scsi0',
    // Cloud images log to ttyS0; without a serial port their console stays blank.
    serial0: 'socket',
    vga: 'serial0',
    agent: 'enabled=1,fstrim_cloned_disks=1',
    ide2: `${disks}:cloudinit`,
    ipconfig0: 'ip=dhcp',
    net0: `virtio,bridge=${spec.bridge}`,
    onboot: 0,
    tags: ['infra', spec.os, fingerprintTag(description.fingerprint)].join(';'),
    description: JSON.stringify(description),
  };
}

/** The base template on the spec's node whose tag and description carry this fingerprint. */
export function findCloudImageTemplate(
  spec: Pick<CloudImageSpec, 'node'>,
  fingerprint: string,
  vms: readonly ObservedVm[],
): ObservedVm | undefined {
  return vmsWithFingerprint(spec.node, fingerprint, vms, readCloudImageFingerprint, true)[0];
}

export function planCloudImageBuild(
  spec: CloudImageSpec,
  observed: ObservedNode,
  now: Date,
): CloudImageDecision {
  const fingerprint = cloudImageFingerprint(spec);
  const name = cloudImageTemplateName(spec, fingerprint);
  const existing = findCloudImageTemplate(spec, fingerprint, observed.vms);
  if (existing) return { status: 'up-to-date', fingerprint, vmid: existing.vmid, name };
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
  };
  const { vmid, volid, steps } = planImageSteps(
    {
      placement: spec,
      fingerprint,
      readFingerprint: readCloudImageFingerprint,
      what: `the ${spec.os} ${spec.version} cloud image`,
      download: { filename, ...spec.source },
      name,
      createParams: (id, vol) => cloudImageVmParams(spec, id, vol, description),
    },
    observed,
  );
  return { status: 'build', fingerprint, plan: { fingerprint, vmid, name, volid, description, steps } };
}
