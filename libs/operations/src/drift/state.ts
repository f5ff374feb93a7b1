import { z } from 'zod';
import type { DriftItem, ObservedVm } from './compare';

/**
 * Drift of the VMs a root module's tofu state holds: the state says what tofu created, the cluster what is
 * there now. Pure: `stateVms` turns `proxmox_virtual_environment_vm` values (from `tofu show -json`) into
 * the fields compared; `compareStateVms` yields missing (deleted out of band), changed (edited by hand) and
 * extra (tagged `infra`, not a template, in no state) items.
 */
export interface StateVm {
  address: string;
  vmid: number;
  node: string;
  name: string;
  tags: string[];
  memoryMib?: number;
  vcpus?: number;
}

const block = z.array(z.looseObject({})).nullish();
const vmValues = z.looseObject({
  vm_id: z.number(),
  node_name: z.string(),
  name: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  memory: z.array(z.looseObject({ dedicated: z.number().nullish() })).nullish(),
  cpu: z.array(z.looseObject({ cores: z.number().nullish(), sockets: z.number().nullish() })).nullish(),
  template: z.boolean().nullish(),
  clone: block,
});

export function stateVms(resources: ReadonlyArray<{ address: string; values: unknown }>): StateVm[] {
  return resources.map(({ address, values }) => {
    const v = vmValues.parse(values);
    const memory = v.memory?.[0]?.dedicated;
    const cpu = v.cpu?.[0];
    return {
      address,
      vmid: v.vm_id,
      node: v.node_name,
      name: v.name ?? '',
      tags: [...(v.tags ?? [])].sort(),
      ...(typeof memory === 'number' ? { memoryMib: memory } : {}),
      ...(cpu && typeof cpu.cores === 'number' ? { vcpus: cpu.cores * (cpu.sockets ?? 1) } : {}),
    };
  });
}

const MIB = 1024 * 1024;
const same = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((t, i) => t === [...b].sort()[i]);

/** One root module's state: where it is (for messages), how to put its VMs back, and its VMs. */
export interface StateRoot {
  label: string;
  fix: string;
  vms: StateVm[];
}

export function compareStateVms(roots: readonly StateRoot[], observed: readonly ObservedVm[]): DriftItem[] {
  const items: DriftItem[] = [];
  const byId = new Map(observed.map((vm) => [vm.vmid, vm]));
  for (const { label: stateLabel, fix, vms: state } of roots)
    for (const want of state) {
      const have = byId.get(want.vmid);
      if (!have) {
        items.push({
          kind: 'missing',
          resource: 'vm',
          name: `${want.vmid} ${want.name || 'unnamed'} (${want.address})`,
          detail: `in the tofu state (${stateLabel}) but not on the cluster: deleted out of band? ${fix} recreates it`,
        });
        continue;
      }
      const diffs: string[] = [];
      if (have.node !== want.node) diffs.push(`node ${want.node} in state, ${have.node} on the cluster`);
      if (have.name !== want.name) diffs.push(`name ${want.name} in state, ${have.name} on the cluster`);
      if (!same(have.tags, want.tags))
        diffs.push(`tags ${want.tags.join(';')} in state, ${[...have.tags].sort().join(';')} on the cluster`);
      if (want.memoryMib !== undefined && have.maxmem !== undefined && have.maxmem !== want.memoryMib * MIB)
        diffs.push(`memory ${want.memoryMib} MiB in state, ${have.maxmem / MIB} MiB on the cluster`);
      if (want.vcpus !== undefined && have.maxcpu !== undefined && have.maxcpu !== want.vcpus)
        diffs.push(`vCPUs ${want.vcpus} in state, ${have.maxcpu} on the cluster`);
      if (diffs.length > 0)
        items.push({
          kind: 'changed',
          resource: 'vm',
          name: `${want.vmid} ${want.name || 'unnamed'} (${want.address})`,
          detail: `${diffs.join('; ')}: changed by hand? ${fix} puts it back`,
        });
    }
  const known = new Set(roots.flatMap((r) => r.vms.map((v) => v.vmid)));
  const stateLabel = roots.map((r) => r.label).join(', ');
  for (const vm of observed) {
    if (vm.template || !vm.tags.includes('infra') || vm.tags.includes('infra-building')) continue;
    if (known.has(vm.vmid)) continue;
    items.push({
      kind: 'extra',
      resource: 'vm',
      name: `${vm.vmid} ${vm.name || 'unnamed'} on ${vm.node}`,
      detail: `tagged infra but in no tofu state (${stateLabel}): left over from a lost state? check it and destroy it by hand, or drop its infra tag and adopt it with ./infra import`,
    });
  }
  return items;
}
