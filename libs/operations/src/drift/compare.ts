import { compareStateVms, type StateRoot } from './state';

/**
 * Drift as a pure comparison: what the config, the template fingerprints and the tofu state say should
 * exist against what the cluster has. Kinds follow `tofu plan`: missing (would be created), extra (exists, nobody wants it),
 * changed (exists, differs).
 */
export type DriftKind = 'missing' | 'extra' | 'changed';

export interface DriftItem {
  kind: DriftKind;
  /** `template`, `vm`, `mapping`, `tag` */
  resource: string;
  name: string;
  detail: string;
}

export interface ObservedVm {
  vmid: number;
  name: string;
  node: string;
  tags: string[];
  template: boolean;
  /** Bytes (`maxmem` of /cluster/resources). */
  maxmem?: number;
  maxcpu?: number;
}

export interface DesiredState {
  /** OS → the fingerprint tag its current recipe gives the template (`fp-…`). */
  templates: Readonly<Record<string, string>>;
  vmidRange: { start: number; end: number };
  mapping: { id: string; node: string };
  /** The VMs of the environment's tofu states (one per root module); without them no state is compared. */
  state?: StateRoot[];
}

export interface ObservedState {
  vms: ObservedVm[];
  /** The mapping's entries, or undefined when it does not exist. */
  mapping?: { map: string[] };
}

const FINGERPRINT = /^fp-[0-9a-f]+$/;
const label = (vm: ObservedVm) => `${vm.vmid} ${vm.name || 'unnamed'} on ${vm.node}`;

export function compareDrift(desired: DesiredState, observed: ObservedState): DriftItem[] {
  const items: DriftItem[] = [];
  const ours = observed.vms.filter((vm) => vm.tags.includes('infra'));
  const wantedTags = new Set(Object.values(desired.templates));
  for (const [os, tag] of Object.entries(desired.templates)) {
    if (!ours.some((vm) => vm.template && vm.tags.includes(tag))) {
      items.push({
        kind: 'missing',
        resource: 'template',
        name: os,
        detail: `no template tagged ${tag} (the current ${os} recipe); build it: ./infra build-image --os ${os}`,
      });
    }
  }
  for (const vm of ours.filter((v) => v.template)) {
    const fingerprints = vm.tags.filter((t) => FINGERPRINT.test(t));
    if (fingerprints.length > 0 && !fingerprints.some((t) => wantedTags.has(t))) {
      items.push({
        kind: 'changed',
        resource: 'template',
        name: label(vm),
        detail: `fingerprint ${fingerprints.join(',')} matches no current recipe (config changed since it was built)`,
      });
    }
  }
  for (const vm of ours.filter((v) => !v.template && v.tags.includes('infra-building'))) {
    items.push({
      kind: 'extra',
      resource: 'vm',
      name: label(vm),
      detail: 'leftover of an interrupted build',
    });
  }
  const { start, end } = desired.vmidRange;
  const inState = new Set(desired.state?.flatMap((r) => r.vms.map((v) => v.vmid)));
  for (const vm of observed.vms.filter(
    (v) => v.vmid >= start && v.vmid <= end && !v.tags.includes('infra') && !inState.has(v.vmid),
  )) {
    items.push({
      kind: 'extra',
      resource: 'vm',
      name: label(vm),
      detail: `in templates.vmidRange ${start}-${end} without the infra tag (made by hand? scripts/import.ts can adopt it)`,
    });
  }
  if (desired.state) items.push(...compareStateVms(desired.state, observed.vms));
  if (!observed.mapping) {
    items.push({
      kind: 'missing',
      resource: 'mapping',
      name: desired.mapping.id,
      detail: 'gpu.mapping does not exist',
    });
  } else if (
    !observed.mapping.map.some((entry) => entry.split(',').includes(`node=${desired.mapping.node}`))
  ) {
    items.push({
      kind: 'changed',
      resource: 'mapping',
      name: desired.mapping.id,
      detail: `no entry for node ${desired.mapping.node} (proxmox.node)`,
    });
  }
  return items;
}

/** `tofu plan -detailed-exitcode`: 0 no drift, 2 drift (1 is an error, raised elsewhere). */
export const driftExitCode = (items: readonly DriftItem[]) => (items.length === 0 ? 0 : 2);

export function formatDrift(environment: string, items: readonly DriftItem[], state?: string): string {
  const note = state ? `\ntofu state: ${state}` : '';
  if (items.length === 0)
    return `drift: ${environment}: none (the cluster matches config, template fingerprints and tofu state)${note}`;
  const sign = { missing: '+', extra: '-', changed: '~' } as const;
  const rows = items.map((i) => [`${sign[i.kind]} ${i.kind}`, i.resource, i.name, i.detail]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length), 8));
  const line = (r: string[]) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell)).join('  ');
  return (
    [
      `drift: ${environment}: ${items.length} item(s)`,
      line(['kind', 'resource', 'name', 'detail']),
      ...rows.map(line),
    ].join('\n') + note
  );
}
