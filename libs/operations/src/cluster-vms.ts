import type { PveResponses } from '@infra/pve-api';

/** One entry of GET /cluster/resources, as the client returns it. */
export type ClusterResource = PveResponses['GET /cluster/resources'][number];

/** A VM (or template) of the cluster: what doctor, drift and import read of /cluster/resources. */
export interface ClusterVm {
  vmid: number;
  name: string;
  node: string;
  tags: string[];
  template: boolean;
}

/** Proxmox writes tags `;`-separated; older hosts and hand edits use `,` or spaces. */
const tagsOf = (value: unknown) => (typeof value === 'string' ? value.split(/[;,\s]+/).filter(Boolean) : []);

export const isQemuVm = (r: ClusterResource): r is ClusterResource & { vmid: number } =>
  r.type === 'qemu' && typeof r.vmid === 'number';

/** The VM an entry that passed isQemuVm describes. */
export function clusterVm(r: ClusterResource & { vmid: number }): ClusterVm {
  return {
    vmid: r.vmid,
    name: typeof r.name === 'string' ? r.name : '',
    node: String(r.node),
    tags: tagsOf(r.tags),
    template: Boolean(r.template),
  };
}

/** Every qemu VM (templates included) of a /cluster/resources answer. */
export const clusterVms = (resources: readonly ClusterResource[]): ClusterVm[] =>
  resources.filter(isQemuVm).map(clusterVm);
