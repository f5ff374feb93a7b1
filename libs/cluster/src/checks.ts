import type { ClusterSpec, Environment } from '@infra/config';
import { InfraError } from '@infra/core';
import type { ClusterErrorCode } from './error-codes';

/** The module's default VM sizes (terraform/modules/talos-cluster: var.sizes). */
export const DEFAULT_SIZES = ['small', 'medium', 'large', 'gpu'] as const;

/** `infra.config.yaml: environments.<env>.cluster`, the prefix of every field an error names. */
export const clusterLabel = (environment: Pick<Environment, 'name'>) =>
  `infra.config.yaml: environments.${environment.name}.cluster`;

/**
 * The cluster definition's cross-field rules, checked before anything is created (the module checks them
 * again at plan time for direct users). Each failure names the field, what was expected and the fix.
 */
export function checkClusterSpec(
  environment: Pick<Environment, 'name' | 'templates'>,
  cluster: ClusterSpec,
): void {
  const label = clusterLabel(environment);
  const nodes = Object.entries(cluster.nodes);
  const controlPlanes = nodes.filter(([, n]) => n.role === 'controlplane').map(([name]) => name);
  if (![1, 3, 5].includes(controlPlanes.length))
    throw new InfraError<ClusterErrorCode>(
      'CLUSTER_CONTROL_PLANE_COUNT',
      `${label}.nodes: ${controlPlanes.length} control planes (${controlPlanes.join(', ') || 'none'}); expected 1, 3 or 5`,
      {
        hint:
          controlPlanes.length === 2
            ? 'etcd needs a majority: with 2 control planes losing either one stops the cluster. Use 1 (the default) or add a third'
            : 'give 1 node (or 3 for high availability) role: controlplane',
      },
    );
  const byIp = new Map<string, string>();
  const byVmid = new Map<number, string>();
  const { start, end } = environment.templates.vmidRange;
  for (const [name, node] of nodes) {
    const ipOwner = byIp.get(node.ip);
    if (ipOwner)
      throw new InfraError<ClusterErrorCode>(
        'CLUSTER_IP_CLASH',
        `${label}.nodes.${name}.ip: ${node.ip} is already the address of ${ipOwner}`,
        {
          hint: `give ${name} an address of its own`,
        },
      );
    byIp.set(node.ip, name);
    const vmidOwner = byVmid.get(node.vmid);
    if (vmidOwner)
      throw new InfraError<ClusterErrorCode>(
        'CLUSTER_VMID_CLASH',
        `${label}.nodes.${name}.vmid: ${node.vmid} is already the VMID of ${vmidOwner}`,
        {
          hint: `give ${name} a VMID of its own`,
        },
      );
    byVmid.set(node.vmid, name);
    if (node.vmid >= start && node.vmid <= end)
      throw new InfraError<ClusterErrorCode>(
        'CLUSTER_VMID_IN_TEMPLATE_RANGE',
        `${label}.nodes.${name}.vmid: ${node.vmid} is inside templates.vmidRange (${start}-${end}), which the template builder allocates from`,
        { hint: 'pick a VMID outside that range' },
      );
    if (node.gpu && node.role === 'controlplane')
      throw new InfraError<ClusterErrorCode>(
        'CLUSTER_GPU_ON_CONTROL_PLANE',
        `${label}.nodes.${name}.gpu: the GPU goes to a worker, not a control plane`,
        {
          hint: `add a worker with gpu: true (size: gpu) and remove gpu from ${name}`,
        },
      );
    const sizes = cluster.sizes ? Object.keys(cluster.sizes) : [...DEFAULT_SIZES];
    if (!sizes.includes(node.size))
      throw new InfraError<ClusterErrorCode>(
        'CLUSTER_UNKNOWN_SIZE',
        `${label}.nodes.${name}.size: "${node.size}" is not one of ${sizes.join(', ')}`,
        {
          hint: cluster.sizes ? 'use a key of cluster.sizes' : 'use a default size or define cluster.sizes',
        },
      );
  }
  const gpuNodes = nodes.filter(([, n]) => n.gpu).map(([name]) => name);
  if (gpuNodes.length > 1)
    throw new InfraError<ClusterErrorCode>(
      'CLUSTER_TOO_MANY_GPU_NODES',
      `${label}.nodes: ${gpuNodes.join(', ')} all have gpu: true, but there is one GPU (gpu.mapping)`,
      {
        hint: 'keep gpu: true on one worker',
      },
    );
}
