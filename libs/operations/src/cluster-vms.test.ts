import { describe, expect, it } from 'vitest';
import { type ClusterResource, clusterVms } from './cluster-vms';

describe('clusterVms', () => {
  it('keeps qemu entries with a VMID and reads their tags in every separator Proxmox accepts', () => {
    const resources: ClusterResource[] = [
      { id: 'qemu/100', type: 'qemu', vmid: 100, node: 'pve', name: 'web', tags: 'infra;fp-1 x,y' },
      { id: 'qemu/9000', type: 'qemu', vmid: 9000, node: 'pve2', template: true },
      { id: 'lxc/200', type: 'lxc', vmid: 200, node: 'pve', name: 'ct' },
      { id: 'node/pve', type: 'node', node: 'pve' },
    ];
    expect(clusterVms(resources)).toEqual([
      { vmid: 100, name: 'web', node: 'pve', tags: ['infra', 'fp-1', 'x', 'y'], template: false },
      { vmid: 9000, name: '', node: 'pve2', tags: [], template: true },
    ]);
  });
});
