import { relative } from 'node:path';
import { loadConfigFile, resolveEnvironment } from '@infra/config';
import { InfraError } from '@infra/core';
import { kubernetesCompatibility } from './compat';
import type { PlatformErrorCode } from './errors';

export interface ClusterVersions {
  talosVersion: string;
  /** `talos.kubernetesVersion`: the one pin of the cluster's Kubernetes (module input, Helm, kubeconform). */
  kubernetesVersion: string;
}

/**
 * The environment's pinned Talos and Kubernetes versions. Both come from the one config field each
 * (`talos.version`, `talos.kubernetesVersion`), which the cluster module, Helm's --kube-version, the kubeconform
 * schemas and this check all read. Fails when that Talos does not support that Kubernetes, naming the file, the
 * line and the layer that set the Kubernetes version, and where the Talos version came from.
 */
export async function clusterVersions(repoRoot: string, environment: string): Promise<ClusterVersions> {
  const loaded = await loadConfigFile({ cwd: repoRoot });
  const { environment: resolved, provenance } = resolveEnvironment(loaded, environment);
  const { version: talosVersion, kubernetesVersion } = resolved.talos;
  const incompatible = kubernetesCompatibility(talosVersion, kubernetesVersion);
  if (incompatible) {
    const file = relative(repoRoot, loaded.file) || loaded.file;
    const where = (path: string) => {
      const layer = provenance[path] ?? `environments.${environment}`;
      const position = loaded.locate([...layer.split('.'), ...path.split('.')]);
      return { field: `${layer}.${path}`, at: `${file}${position ? `:${position}` : ''}` };
    };
    const k8s = where('talos.kubernetesVersion');
    const talos = where('talos.version');
    throw new InfraError<PlatformErrorCode>(
      'PLATFORM_KUBERNETES_VERSION',
      `${k8s.at}: ${k8s.field}: ${incompatible} (environment "${environment}"; Talos from ${talos.field} at ${talos.at})`,
      {
        hint: 'pin a Kubernetes version inside that range, or move talos.version to a Talos that supports it',
      },
    );
  }
  return { talosVersion, kubernetesVersion };
}
