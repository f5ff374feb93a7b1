import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Environment } from '@infra/config';
import { type Logger, runProcess } from '@infra/core';
import type { ProxmoxConnection } from '@infra/proxmox-connect';

/** The template the cluster clones, as the build computes it (offline). */
export interface UpTemplate {
  fingerprintTag: string;
  schematicId: string;
  talosVersion: string;
}

export interface InlineManifest {
  name: string;
  contents: string;
}

/**
 * What the steps of `up` share in one run: the environment, the tools, and resources opened on first use
 * (the Proxmox connection, the template facts, the rendered platform), closed by `close()`.
 */
export interface UpContext {
  readonly environment: Environment;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  /** PATH holding the pinned toolchain (tofu, talosctl, helm). */
  readonly toolPath: string;
  readonly talosctl: string;
  template(): Promise<UpTemplate>;
  connection(): Promise<ProxmoxConnection>;
  inlineManifests(): Promise<InlineManifest[]>;
  /** Every file of kubernetes/ (path and sha256 of the content): the platform's inputs, offline. */
  platformSources(): Promise<Record<string, string>>;
  /** The cluster root module's outputs once the cluster stage ran in this run (sensitive: never printed). */
  clusterOutputs?: Record<string, { value: unknown; sensitive: boolean }>;
  close(): Promise<void>;
}

const memo = <T>(make: () => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export async function openUpContext(
  environment: Environment,
  options: { logger?: Logger; signal?: AbortSignal } = {},
): Promise<UpContext> {
  const { toolchainEnv } = await import('@infra/toolchain');
  const toolPath = toolchainEnv().PATH ?? process.env.PATH ?? '';
  const found = await runProcess('sh', ['-c', 'command -v talosctl'], { env: { PATH: toolPath } });
  // The connection as it is being opened: close() waits for it, so one still starting when a step fails (a
  // Promise.all whose other member rejected first) is stopped too, not left serving and keeping the process up.
  let opening: Promise<ProxmoxConnection> | undefined;

  const openConnection = async (): Promise<ProxmoxConnection> => {
    const [{ connectProxmox, SIM_FAULTS_ENV }, cluster] = await Promise.all([
      import('@infra/proxmox-connect'),
      import('@infra/cluster'),
    ]);
    // On `endpoint: embedded` the simulator starts here with the guest agent reporting each node's
    // 127.0.0.x (as scripts/cluster.ts does); the build, the doctor and tofu reuse it.
    const spec = cluster.clusterOf(environment);
    const opened = await connectProxmox(environment, {
      ...(options.logger ? { logger: options.logger } : {}),
      ...(environment.proxmox.endpoint === 'embedded'
        ? { embedded: cluster.talosGuestAddresses(spec, spec.network.prefixLength) }
        : {}),
    });
    // The testing hook's fault rules now live in the simulator this connection started; the connections
    // that reuse it (doctor, build, deploy) would refuse a set INFRA_SIM_FAULTS (SIM_FAULTS_NOT_APPLIED).
    if (opened.embedded) delete process.env[SIM_FAULTS_ENV];
    return opened;
  };

  const context: UpContext = {
    environment,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    toolPath,
    talosctl: found.stdout.trim() || 'talosctl',
    template: memo(async () => {
      const { talosTemplate } = await import('@infra/deploy');
      const talos = await talosTemplate(environment);
      return {
        fingerprintTag: talos.wanted.tag,
        schematicId: talos.schematicId,
        talosVersion: talos.talosVersion,
      };
    }),
    connection: () => {
      opening ??= openConnection();
      return opening;
    },
    inlineManifests: memo(async () => {
      const { renderClusterCritical } = await import('@infra/platform');
      return renderClusterCritical({
        repoRoot: environment.repoRoot,
        environment: environment.name,
        env: process.env,
        run: (tool: string, args: readonly string[]) =>
          runProcess(tool, [...args], { env: { PATH: toolPath } }),
      });
    }),
    platformSources: memo(async () => {
      const { createHash } = await import('node:crypto');
      const root = join(environment.repoRoot, 'kubernetes');
      const out: Record<string, string> = {};
      for (const file of await filesUnder(root))
        out[relative(root, file)] = createHash('sha256')
          .update(await readFile(file))
          .digest('hex');
      return out;
    }),
    close: async () => {
      // A failed open has nothing to close (its own error is the step's, reported already).
      const opened = await opening?.catch(() => undefined);
      await opened?.close();
    },
  };
  return context;
}
