import type { ClusterSpec, Environment } from '@infra/config';
import { InfraError } from '@infra/core';
import type { ProxmoxClient } from '@infra/proxmox-client';
import { clusterLabel } from './checks';
import type { ClusterErrorCode } from './error-codes';

/**
 * Read-only checks against the Proxmox cluster, before anything is created: every Proxmox node a cluster node
 * is placed on is online, and the GPU's resource mapping exists when a node has gpu: true.
 */
export async function clusterPreflight(
  client: Pick<ProxmoxClient, 'clusterResources' | 'pciMappings'>,
  environment: Pick<Environment, 'name' | 'proxmox' | 'gpu'>,
  cluster: ClusterSpec,
): Promise<void> {
  const label = clusterLabel(environment);
  const resources = await client.clusterResources('node');
  const online = new Set(
    resources.filter((r) => r.type === 'node' && r.status === 'online').map((r) => String(r.node)),
  );
  for (const [name, node] of Object.entries(cluster.nodes)) {
    const pveNode = node.node ?? environment.proxmox.node;
    if (!online.has(pveNode))
      throw new InfraError<ClusterErrorCode>(
        'CLUSTER_NODE_UNREACHABLE',
        `${label}.nodes.${name}.node: Proxmox node "${pveNode}" is not an online node of the cluster (online: ${[...online].sort().join(', ') || 'none'})`,
        { hint: `start the node or place ${name} on an online one (node: <name>; default proxmox.node)` },
      );
  }
  if (!Object.values(cluster.nodes).some((n) => n.gpu)) return;
  const mappings = await client.pciMappings();
  if (!mappings.some((m) => m.id === environment.gpu.mapping)) {
    const gpuNodes = Object.entries(cluster.nodes)
      .filter(([, n]) => n.gpu)
      .map(([name]) => name);
    throw new InfraError<ClusterErrorCode>(
      'CLUSTER_GPU_MAPPING_MISSING',
      `infra.config.yaml: environments.${environment.name}.gpu.mapping: the PCI resource mapping "${environment.gpu.mapping}" for ${gpuNodes.join(', ')} does not exist on the Proxmox cluster`,
      {
        hint: `create it: ./infra gpu-host map -e ${environment.name} (after ./infra gpu-host apply and verify)`,
      },
    );
  }
}
