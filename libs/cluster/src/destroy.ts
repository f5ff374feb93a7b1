import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import { clusterVariables } from './inputs';
import { credentialsDir } from './outputs';
import { type ClusterDeployer, clusterOf, clusterRootDir, type TemplateFacts } from './up';

export interface ClusterDestroyOptions {
  environment: Environment;
  template: TemplateFacts;
  deploy: ClusterDeployer;
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * Removes the cluster's VMs and keeps the template and the machine secrets: an apply of the cluster root module
 * with no nodes (its `prevent_destroy` secrets stay in the encrypted state, so the next `up` brings back the same
 * cluster). The credential files go; for `endpoint: embedded` the Talos simulator's nodes are forgotten too, as
 * new VMs boot from the template into maintenance mode.
 */
export async function clusterDestroy(options: ClusterDestroyOptions): Promise<{ changed: boolean }> {
  const { environment, template } = options;
  const cluster = clusterOf(environment);
  const variables = clusterVariables(
    environment,
    { ...cluster, nodes: {} },
    {
      schematicId: template.schematicId,
      configPatches: [],
      gpuConfigPatches: [],
      inlineManifests: [],
      talosctl: 'talosctl',
      templateTalosVersion: template.talosVersion,
    },
  );
  const result = await options.deploy({
    environment,
    action: 'apply',
    rootDir: clusterRootDir(environment.repoRoot),
    templates: {
      talos: {
        tag: template.fingerprintTag,
        source: `infra.config.yaml: environments.${environment.name}.talos`,
        build: `nx run talos:build-image -c ${environment.name}`,
      },
    },
    variables,
    yes: true,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await rm(credentialsDir(environment.repoRoot, environment.name), { recursive: true, force: true });
  if (environment.proxmox.endpoint === 'embedded') {
    const simDir = join(environment.repoRoot, '.infra', 'sim', 'talos');
    // Only a process proved to be this environment's simulator is stopped, and it has exited before its
    // state goes.
    const { stopRunningTalosSim } = await import('@infra/talos-sim');
    await stopRunningTalosSim(simDir);
    await rm(simDir, { recursive: true, force: true });
  }
  return { changed: result.changed };
}
