import type { ClusterVm } from '../cluster-vms';
import { operationsError } from '../errors';

/**
 * Which VMs an import run takes (pure). This project manages a VM when it carries the `infra` tag (every
 * VM of terraform/modules/proxmox-vm and every template the builder makes) or when the environment's tofu
 * state holds it; those are refused, as are VMIDs the cluster does not have. Without `--vm`, every
 * unmanaged VM that is not a template is taken (none: nothing to do, not an error).
 */
export function selectImports(
  cluster: readonly ClusterVm[],
  managed: ReadonlySet<number>,
  requested: readonly number[],
  context: { environment: string; stateLabel: string },
): ClusterVm[] {
  const byId = new Map(cluster.map((vm) => [vm.vmid, vm]));
  if (requested.length === 0)
    return cluster
      .filter((vm) => !vm.template && !vm.tags.includes('infra') && !managed.has(vm.vmid))
      .sort((a, b) => a.vmid - b.vmid);
  const unknown = requested.filter((id) => !byId.has(id));
  if (unknown.length > 0)
    throw operationsError(
      'IMPORT_UNKNOWN_VM',
      `--vm ${unknown.join(', ')}: no such VM on the cluster of ${context.environment}`,
      { hint: 'list the VMIDs with `pvesh get /cluster/resources --type vm`' },
    );
  const refused = requested.filter((id) => byId.get(id)!.tags.includes('infra') || managed.has(id));
  if (refused.length > 0)
    throw operationsError(
      'IMPORT_MANAGED_VM',
      `--vm ${refused.join(', ')}: already managed by this project (${refused
        .map((id) => (managed.has(id) ? `${id} is in ${context.stateLabel}` : `${id} carries the infra tag`))
        .join('; ')})`,
      {
        hint: 'import only VMs made outside this project; `./infra drift -e <env>` shows managed ones that changed',
      },
    );
  return [...new Set(requested)].map((id) => byId.get(id)!);
}
