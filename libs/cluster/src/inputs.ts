import type { ClusterSpec, Environment } from '@infra/config';

/** What the cluster stage knows besides the config: the template's schematic and the file contents to send. */
export interface ClusterFacts {
  schematicId: string;
  /** Contents of talos.patches for every node (NVIDIA patches excluded). */
  configPatches: string[];
  /** Contents of the NVIDIA patches, for the GPU worker only. */
  gpuConfigPatches: string[];
  inlineManifests: Array<{ name: string; contents: string }>;
  /** The talosctl the upgrade step runs. */
  talosctl: string;
  /** Talos version of the template found (its fingerprint covers it). */
  templateTalosVersion: string;
}

/** The NVIDIA machine-config patch goes to GPU workers only: recognised by its file name. */
export const isGpuPatch = (path: string) => /(^|\/)nvidia[^/]*\.ya?ml$/.test(path);

/**
 * The root module's variables (terraform/clusters/talos) for an environment, in the module's names. Pure:
 * no secrets here (the API token and state passphrase travel as secret TF_VARs), so it can be shown.
 */
export function clusterVariables(
  environment: Pick<Environment, 'proxmox' | 'talos' | 'gpu'>,
  cluster: ClusterSpec,
  facts: ClusterFacts,
): Record<string, unknown> {
  const nodes = Object.fromEntries(
    Object.entries(cluster.nodes).map(([name, n]) => [
      name,
      {
        role: n.role,
        node: n.node ?? environment.proxmox.node,
        vm_id: n.vmid,
        ip: n.ip,
        size: n.size,
        gpu: n.gpu,
      },
    ]),
  );
  const anyGpu = Object.values(cluster.nodes).some((n) => n.gpu);
  return {
    talos_version: environment.talos.version,
    template_talos_version: facts.templateTalosVersion,
    talos_platform: environment.talos.platform,
    schematic_id: facts.schematicId,
    gpu_mapping: anyGpu ? environment.gpu.mapping : null,
    cluster: {
      name: cluster.name,
      ...(cluster.endpoint ? { endpoint: cluster.endpoint } : {}),
      // The one Kubernetes pin (talos.kubernetesVersion, required), the version the platform validated against.
      kubernetes_version: environment.talos.kubernetesVersion,
      nodes,
      ...(cluster.sizes
        ? {
            sizes: Object.fromEntries(
              Object.entries(cluster.sizes).map(([k, s]) => [
                k,
                { cores: s.cores, memory_mib: s.memoryMiB, disk_gib: s.diskGiB },
              ]),
            ),
          }
        : {}),
      network: {
        prefix_length: cluster.network.prefixLength,
        gateway: cluster.network.gateway,
        dns_servers: cluster.network.dnsServers,
      },
      health: {
        timeout: cluster.health.timeout,
        skip_kubernetes_checks: cluster.health.skipKubernetesChecks,
      },
    },
    config_patches: facts.configPatches,
    gpu_config_patches: facts.gpuConfigPatches,
    inline_manifests: facts.inlineManifests,
    talosctl: facts.talosctl,
  };
}

/** The installer image the module derives, for messages and tests (same rule as locals.tf). */
export const installerImage = (
  platform: string,
  schematicId: string,
  version: string,
  host = 'factory.talos.dev',
) => `${host}/${platform}-installer/${schematicId}:${version}`;
