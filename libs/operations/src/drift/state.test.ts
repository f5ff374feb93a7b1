import { describe, expect, it } from 'vitest';
import { compareDrift, type ObservedVm } from './compare';
import { compareStateVms, stateVms } from './state';

const MIB = 1024 * 1024;
const state = stateVms([
  {
    address: 'module.vm[0].proxmox_virtual_environment_vm.this',
    values: {
      vm_id: 101,
      node_name: 'pve1',
      name: 'web-1',
      tags: ['web', 'infra'],
      memory: [{ dedicated: 1024, floating: 0 }],
      cpu: [{ cores: 2, sockets: 1 }],
    },
  },
  {
    address: 'proxmox_virtual_environment_vm.db',
    values: { vm_id: 102, node_name: 'pve2', name: 'db', tags: null, memory: [], cpu: [] },
  },
]);
const vm = (over: Partial<ObservedVm>): ObservedVm => ({
  vmid: 101,
  name: 'web-1',
  node: 'pve1',
  tags: ['infra', 'web'],
  template: false,
  maxmem: 1024 * MIB,
  maxcpu: 2,
  ...over,
});

describe('stateVms', () => {
  it('reads the compared fields of proxmox_virtual_environment_vm values, tags sorted', () => {
    expect(state).toEqual([
      {
        address: 'module.vm[0].proxmox_virtual_environment_vm.this',
        vmid: 101,
        node: 'pve1',
        name: 'web-1',
        tags: ['infra', 'web'],
        memoryMib: 1024,
        vcpus: 2,
      },
      { address: 'proxmox_virtual_environment_vm.db', vmid: 102, node: 'pve2', name: 'db', tags: [] },
    ]);
  });

  it('rejects values without vm_id (not a VM resource)', () => {
    expect(() => stateVms([{ address: 'x', values: { node_name: 'pve' } }])).toThrow();
  });
});

describe('compareStateVms', () => {
  const compare = (observed: ObservedVm[]) =>
    compareStateVms([{ label: 'root', fix: './infra deploy apply', vms: state }], observed);

  it('nothing when the cluster has what the state says', () => {
    expect(compare([vm({}), vm({ vmid: 102, name: 'db', node: 'pve2', tags: [] })])).toEqual([]);
  });

  it('missing (deleted out of band), changed (memory, vCPUs, tags, node, name), extra (infra, no state)', () => {
    const items = compare([
      vm({ maxmem: 2048 * MIB, maxcpu: 4, tags: ['infra', 'web', 'by-hand'], node: 'pve2', name: 'web-x' }),
      vm({ vmid: 150, name: 'orphan', tags: ['infra'] }),
      vm({ vmid: 151, name: 'building', tags: ['infra', 'infra-building'] }),
      vm({ vmid: 152, name: 'golden', tags: ['infra'], template: true }),
      vm({ vmid: 153, name: 'hand-made', tags: [] }),
    ]);
    expect(items.map((i) => [i.kind, i.name])).toEqual([
      ['changed', '101 web-1 (module.vm[0].proxmox_virtual_environment_vm.this)'],
      ['missing', '102 db (proxmox_virtual_environment_vm.db)'],
      ['extra', '150 orphan on pve1'],
    ]);
    expect(items[0]?.detail).toBe(
      'node pve1 in state, pve2 on the cluster; name web-1 in state, web-x on the cluster; ' +
        'tags infra;web in state, by-hand;infra;web on the cluster; memory 1024 MiB in state, 2048 MiB on the cluster; ' +
        'vCPUs 2 in state, 4 on the cluster: changed by hand? ./infra deploy apply puts it back',
    );
  });

  it('compareDrift: VMs in the state are not "untagged in the template range"', () => {
    const desired = {
      templates: {},
      vmidRange: { start: 100, end: 199 },
      mapping: { id: 'gpu', node: 'pve1' },
    };
    const observed = {
      vms: [vm({ vmid: 102, name: 'db', node: 'pve2', tags: [] })],
      mapping: { map: ['node=pve1'] },
    };
    expect(compareDrift(desired, observed).map((i) => i.kind)).toEqual(['extra']);
    const withState = compareDrift(
      { ...desired, state: [{ label: 'root', fix: 'x', vms: state }] },
      observed,
    );
    expect(withState.map((i) => [i.kind, i.name])).toEqual([
      ['missing', '101 web-1 (module.vm[0].proxmox_virtual_environment_vm.this)'],
    ]);
  });

  it('two roots (environment and Talos cluster): each VM is judged by its own state and fix', () => {
    const talos = stateVms([
      {
        address: 'module.talos_node[0].proxmox_virtual_environment_vm.this',
        values: { vm_id: 150, node_name: 'pve1', name: 'talos-1', tags: ['infra', 'talos'] },
      },
    ]);
    const roots = [
      { label: 'terraform/environments/prod', fix: './infra deploy apply -e prod', vms: state.slice(0, 1) },
      { label: 'terraform/clusters/talos', fix: './infra cluster up -e prod', vms: talos },
    ];
    const items = compareStateVms(roots, [
      vm({}),
      vm({ vmid: 150, name: 'talos-1', tags: ['infra', 'talos'], maxmem: 4096 * MIB }),
    ]);
    expect(items).toEqual([]);
    const gone = compareStateVms(roots, [vm({})]);
    expect(gone.map((i) => [i.kind, i.detail])).toEqual([
      [
        'missing',
        'in the tofu state (terraform/clusters/talos) but not on the cluster: deleted out of band? ./infra cluster up -e prod recreates it',
      ],
    ]);
  });
});
