import { access } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import { clusterVm, isQemuVm } from '../cluster-vms';
import { operationsError } from '../errors';
import { compareDrift, type DesiredState, type DriftItem, driftExitCode, type ObservedVm } from './compare';
import { type StateRoot, stateVms } from './state';

export interface StateRootDir {
  rootDir: string;
  /** As deploy's `stateName`: where a second root module of the environment keeps its state. */
  stateName?: string;
  /** The command that puts this root's VMs back. */
  fix: string;
}

/**
 * The environment's root modules with a state: `terraform/environments/<env>` (`./infra deploy`) and the
 * Talos cluster, `terraform/clusters/talos` with its state under `cluster/` (`./infra cluster up`, which
 * passes stateName `cluster`).
 */
export function defaultStateRoots(environment: Environment): StateRootDir[] {
  const root = environment.repoRoot;
  return [
    {
      rootDir: join(root, 'terraform', 'environments', environment.name),
      fix: `./infra deploy apply -e ${environment.name}`,
    },
    {
      rootDir: join(root, 'terraform', 'clusters', 'talos'),
      stateName: 'cluster',
      fix: `./infra cluster up -e ${environment.name}`,
    },
  ];
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export interface DriftOptions {
  environment: Environment;
  /** OS → wanted fingerprint tag (the script computes the Talos one with @infra/deploy's talosTemplate). */
  templates: Readonly<Record<string, string>>;
  /**
   * The root modules whose tofu states are compared (default: `defaultStateRoots`), or false to compare
   * only config and fingerprints. Roots that do not exist are skipped.
   */
  state?: false | StateRootDir[];
  /** Only these VMIDs (VM items only); an id neither on the cluster nor in the state is an error. */
  vmids?: readonly number[];
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface DriftReport {
  environment: string;
  items: DriftItem[];
  exitCode: 0 | 2;
  /** Which tofu state was compared, or why none was. */
  state: string;
}

const VM_RESOURCE = 'proxmox_virtual_environment_vm';

/** Reads the state (tofu show -json) and the cluster (GETs only) and compares them with the desired state. */
export async function runDrift(options: DriftOptions): Promise<DriftReport> {
  const { environment } = options;
  const [{ connectProxmox }, { readTofuState }] = await Promise.all([
    import('@infra/proxmox-connect'),
    import('@infra/deploy'),
  ]);
  const connection = await connectProxmox(environment, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.env ? { env: options.env } : {}),
    retry: { getAttempts: 2 },
  });
  try {
    // The host first: an unreachable host fails here, before tofu starts.
    const [resources, mappings] = await Promise.all([
      connection.client.clusterResources('vm'),
      connection.client.pciMappings(),
    ]);
    let state: StateRoot[] | undefined;
    let stateNote = 'not compared (--no-state)';
    if (options.state !== false) {
      const roots = options.state ?? defaultStateRoots(environment);
      const present: Array<(typeof roots)[number]> = [];
      for (const root of roots) if (await exists(root.rootDir)) present.push(root);
      if (present.length > 0) state = [];
      for (const root of present) {
        const resources = await readTofuState({
          environment,
          rootDir: root.rootDir,
          ...(root.stateName ? { stateName: root.stateName } : {}),
          types: [VM_RESOURCE],
          ...(options.logger ? { logger: options.logger } : {}),
          ...(options.env ? { env: options.env } : {}),
        });
        state?.push({
          label: relative(environment.repoRoot, root.rootDir),
          fix: root.fix,
          vms: stateVms(resources),
        });
      }
      stateNote =
        state === undefined
          ? `not compared: no root module (${roots.map((r) => relative(environment.repoRoot, r.rootDir)).join(', ')})`
          : state.map((r) => `${r.label}: ${r.vms.length} VM(s) in the state`).join('; ');
    }
    let vms: ObservedVm[] = resources.filter(isQemuVm).map((r) => ({
      ...clusterVm(r),
      ...(typeof r.maxmem === 'number' ? { maxmem: r.maxmem } : {}),
      ...(typeof r.maxcpu === 'number' ? { maxcpu: r.maxcpu } : {}),
    }));
    const wanted = options.vmids;
    if (wanted) {
      const known = new Set<number>([
        ...vms.map((v) => v.vmid),
        ...(state ?? []).flatMap((r) => r.vms.map((v) => v.vmid)),
      ]);
      const unknown = wanted.filter((id) => !known.has(id));
      if (unknown.length > 0)
        throw operationsError(
          'DRIFT_UNKNOWN_VM',
          `--vm ${unknown.join(', ')}: no such VM on the cluster of ${environment.name} nor in its tofu state`,
          {
            hint: 'list the VMIDs with `pvesh get /cluster/resources --type vm`, or drop --vm to check everything',
          },
        );
      vms = vms.filter((v) => wanted.includes(v.vmid));
      if (state) state = state.map((r) => ({ ...r, vms: r.vms.filter((v) => wanted.includes(v.vmid)) }));
    }
    const desired: DesiredState = {
      templates: options.templates,
      vmidRange: environment.templates.vmidRange,
      mapping: { id: environment.gpu.mapping, node: environment.proxmox.node },
      ...(state ? { state } : {}),
    };
    const mapping = mappings.find((m) => m.id === environment.gpu.mapping);
    let items = compareDrift(desired, { vms, ...(mapping ? { mapping: { map: mapping.map } } : {}) });
    if (wanted) items = items.filter((i) => i.resource === 'vm');
    return {
      environment: environment.name,
      items,
      exitCode: driftExitCode(items) as 0 | 2,
      state: stateNote,
    };
  } finally {
    await connection.close();
  }
}
