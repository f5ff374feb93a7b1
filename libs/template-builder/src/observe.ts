import type { ProxmoxClient } from '@infra/proxmox-client';
import {
  fingerprintTag,
  type ObservedNode,
  type ObservedStorage,
  type ObservedVm,
  splitTags,
  type TemplatePlacement,
} from './plan';
import type { ObservedMedia } from './plan-media';

/** Storage types whose volumes are files (download-url needs one). */
const FILE_BASED = new Set(['dir', 'nfs', 'cifs', 'cephfs', 'btrfs', 'glusterfs']);

/**
 * The node's VMs (status and config lock included), with descriptions of the ones tagged with `fingerprint` (read-only; two GETs when the
 * template exists). `GET /nodes/{node}/qemu` reads the VM configs, so a template created a moment ago is
 * visible with its tags (the cluster resource list lags behind by an RRD interval).
 */
export async function observeTemplates(
  client: ProxmoxClient,
  spec: Pick<TemplatePlacement, 'node'>,
  fingerprint: string,
): Promise<ObservedVm[]> {
  const tag = fingerprintTag(fingerprint);
  const vms: ObservedVm[] = (await client.listVms(spec.node)).map((vm) => ({
    vmid: vm.vmid,
    node: spec.node,
    ...(vm.name ? { name: vm.name } : {}),
    template: Boolean(vm.template),
    tags: splitTags(vm.tags),
    ...(vm.status ? { status: vm.status } : {}),
    ...(vm.lock ? { lock: vm.lock } : {}),
  }));
  for (const vm of vms.filter((v) => v.tags.includes(tag))) {
    const config = (await client.vmConfig(spec.node, vm.vmid)) as { description?: string };
    if (config.description !== undefined) vm.description = config.description;
  }
  return vms;
}

const observedStorage = (
  storages: Awaited<ReturnType<ProxmoxClient['nodeStorages']>>,
  id: string,
): ObservedStorage | undefined => {
  const s = storages.find((x) => x.storage === id);
  return s
    ? { id, type: s.type, content: s.content.split(',').filter(Boolean), fileBased: FILE_BASED.has(s.type) }
    : undefined;
};

/** An ISO OS's base: the images storage and its `iso` volumes (read-only, two GETs). */
export async function observeMedia(
  client: ProxmoxClient,
  spec: Pick<TemplatePlacement, 'node' | 'storage'>,
): Promise<ObservedMedia> {
  const images = observedStorage(await client.nodeStorages(spec.node), spec.storage.images);
  const isoVolumes =
    images?.content.includes('iso') === true
      ? (await client.storageContent(spec.node, spec.storage.images, { content: 'iso' })).map((v) => v.volid)
      : [];
  return { ...(images ? { images } : {}), isoVolumes };
}

/** What a build needs beyond the node's VMs: every VMID in the cluster, the two storages, the import volumes. */
export async function observeForBuild(
  client: ProxmoxClient,
  spec: Pick<TemplatePlacement, 'node' | 'storage'>,
  nodeVms: ObservedVm[],
): Promise<ObservedNode> {
  const [resources, storages] = await Promise.all([
    client.clusterResources('vm'),
    client.nodeStorages(spec.node),
  ]);
  const known = new Set(nodeVms.map((v) => v.vmid));
  const others: ObservedVm[] = resources
    .filter((r) => typeof r.vmid === 'number' && !known.has(r.vmid))
    .map((r) => ({
      vmid: r.vmid as number,
      node: String(r.node ?? ''),
      template: Boolean(r.template),
      tags: splitTags(r.tags),
    }));
  const toStorage = (id: string) => observedStorage(storages, id);
  const images = toStorage(spec.storage.images);
  const importVolumes =
    images?.content.includes('import') === true
      ? (await client.storageContent(spec.node, spec.storage.images, { content: 'import' })).map(
          (v) => v.volid,
        )
      : [];
  const disks = toStorage(spec.storage.disks);
  return {
    vms: [...nodeVms, ...others],
    ...(images ? { images } : {}),
    ...(disks ? { disks } : {}),
    importVolumes,
  };
}
