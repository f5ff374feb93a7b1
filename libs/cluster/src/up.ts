import { join, relative } from 'node:path';
import type { ClusterSpec, Environment } from '@infra/config';
import { InfraError, type Logger } from '@infra/core';
import { checkClusterSpec, clusterLabel } from './checks';
import { nonLoopbackNodes, startEmbeddedTalos, talosGuestAddresses } from './embedded';
import type { ClusterErrorCode } from './error-codes';
import { readPatches } from './files';
import { clusterVariables, installerImage } from './inputs';
import { credentialsDir, nextSteps, type WrittenCredentials, writeCredentials } from './outputs';
import { clusterPreflight } from './preflight';
import { checkNodesReachable, type PortProbe } from './reachability';
import { tcpProbe } from './tcp-probe';

/** The cluster root module: terraform/clusters/talos, one instance per environment. */
export const clusterRootDir = (repoRoot: string) => join(repoRoot, 'terraform', 'clusters', 'talos');

/** The template the stage clones, as the template builder reports it. */
export interface TemplateFacts {
  fingerprintTag: string;
  schematicId: string;
  talosVersion: string;
}

/** What the stage asks the deploy stage's tofu runner (@infra/deploy: deployEnvironment) to do. */
export interface ClusterDeployRequest {
  environment: Environment;
  action: 'apply' | 'destroy' | 'plan';
  rootDir: string;
  templates: Record<string, { tag: string; source: string; build: string }>;
  variables: Record<string, unknown>;
  yes: boolean;
  logger?: Logger;
  signal?: AbortSignal;
}
export type ClusterDeployer = (request: ClusterDeployRequest) => Promise<{
  changed: boolean;
  outputs: Record<string, { value: unknown; sensitive: boolean }>;
}>;

export interface ClusterUpOptions {
  environment: Environment;
  template: TemplateFacts;
  deploy: ClusterDeployer;
  /** The Proxmox client of this run (read-only checks; the embedded host's GPU mapping). */
  client: Parameters<typeof clusterPreflight>[0];
  /** How node addresses are probed before the apply (default: a TCP connect to the Talos API port). */
  probe?: PortProbe;
  /** For `endpoint: embedded`: make the embedded host's GPU mapping as the README's host setup does. */
  prepareEmbeddedGpu?: () => Promise<void>;
  talosctl?: string;
  /** The control plane's cluster.inlineManifests: the platform stage's cluster-critical set (@infra/platform). */
  inlineManifests?: Array<{ name: string; contents: string }>;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface ClusterUpResult {
  changed: boolean;
  credentials: WrittenCredentials;
  next: string[];
  /** Embedded: the Talos simulator left serving the nodes (stop it with `kill <pid>`). */
  talosSimPid?: number;
}

/** The environment's cluster definition, or one error naming the missing field. */
export function clusterOf(environment: Environment): ClusterSpec {
  if (!environment.cluster)
    throw new InfraError<ClusterErrorCode>(
      'CLUSTER_NOT_CONFIGURED',
      `${clusterLabel(environment)} is not set`,
      {
        hint: 'add a cluster section (name, network, nodes) to infra.config.yaml; libs/config/README.md lists the fields',
      },
    );
  return environment.cluster;
}

/**
 * The cluster stage of `./infra up`, after the template is built: checks (config, then Proxmox, read-only) →
 * embedded Talos simulator → tofu apply of the cluster root module through the deploy stage → kubeconfig and
 * talosconfig written 0600 → what to run next. A second run plans no change and applies nothing.
 */
export async function clusterUp(options: ClusterUpOptions): Promise<ClusterUpResult> {
  const { environment, template, logger } = options;
  const cluster = clusterOf(environment);
  checkClusterSpec(environment, cluster);
  const embedded = environment.proxmox.endpoint === 'embedded';
  if (embedded) {
    const outside = nonLoopbackNodes(cluster);
    if (outside.length > 0)
      throw new InfraError<ClusterErrorCode>(
        'CLUSTER_NOT_LOOPBACK',
        `${clusterLabel(environment)}.nodes: ${outside.join(', ')}: the embedded Talos simulator serves loopback addresses only`,
        {
          hint: 'give the embedded environment 127.0.0.x addresses (network.prefixLength: 8, gateway: 127.0.0.1)',
        },
      );
  }
  if (template.talosVersion !== environment.talos.version)
    throw new InfraError<ClusterErrorCode>(
      'CLUSTER_TEMPLATE_VERSION',
      `infra.config.yaml: environments.${environment.name}.talos.version: ${environment.talos.version}, but the template found has Talos ${template.talosVersion}`,
      {
        hint: `build the template for ${environment.talos.version} first: nx run talos:build-image -c ${environment.name}`,
      },
    );
  if (embedded) await options.prepareEmbeddedGpu?.();
  await clusterPreflight(options.client, environment, cluster);

  const patches = await readPatches(environment.talos.patches, environment.repoRoot);
  const inlineManifests = options.inlineManifests ?? [];
  const variables = clusterVariables(environment, cluster, {
    schematicId: template.schematicId,
    configPatches: patches.all,
    gpuConfigPatches: patches.gpu,
    inlineManifests,
    talosctl: options.talosctl ?? 'talosctl',
    templateTalosVersion: template.talosVersion,
  });

  const sim = embedded
    ? await startEmbeddedTalos({
        simDir: join(environment.repoRoot, '.infra', 'sim'),
        cluster,
        templateImage: installerImage(
          environment.talos.platform,
          template.schematicId,
          template.talosVersion,
        ),
        ...(options.signal ? { signal: options.signal } : {}),
      })
    : undefined;
  try {
    // The last check before tofu creates anything: the node addresses answer (or are free) as they should.
    const vms = (await options.client.clusterResources('vm')).filter((r) => r.type === 'qemu');
    await checkNodesReachable(environment, cluster, {
      probe: options.probe ?? tcpProbe,
      vms,
      embedded,
      ...(embedded ? { settleMs: 15_000 } : {}),
    });
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
      ...(logger ? { logger } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const credentials = await writeCredentials(
      credentialsDir(environment.repoRoot, environment.name),
      result.outputs,
    );
    const next = nextSteps(credentials, (p) => relative(process.cwd(), p) || p);
    return { changed: result.changed, credentials, next, ...(sim ? { talosSimPid: sim.pid } : {}) };
  } catch (error) {
    // A simulator this run started for a cluster that failed to come up is not left behind.
    if (sim?.started) await sim.stop();
    throw error;
  }
}

export { talosGuestAddresses };
