import { join } from 'node:path';
import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import type { ProxmoxClient } from '@infra/proxmox-client';
import {
  connectProxmox,
  type HostAdapter,
  type ProxmoxConnection,
  simStateDir,
} from '@infra/proxmox-connect';

/**
 * A connection to an environment's Proxmox API (through @infra/proxmox-connect) and its Talos Image Factory.
 * `factory: embedded` starts the factory simulator in this process, with its cache under `<repo>/.infra/sim/`.
 */
export interface Connection {
  client: ProxmoxClient;
  /** The factory's base URL; an embedded factory is started on first use (up-to-date builds never need it). */
  factoryUrl(): Promise<string>;
  /** How the Proxmox host differs from a real one (the embedded simulator's rules live there, not here). */
  host: HostAdapter;
  /**
   * The image catalog as this host downloads it (on `local`: the embedded image mirror's copies, each with its
   * own checksum); absent means the environment's catalog as configured.
   */
  images?: Environment['images'];
  /** Proxmox requests sent so far (method + path), for summaries and benchmarks. */
  readonly requests: ProxmoxConnection['requests'];
  close(): Promise<void>;
}

export async function connectEnvironment(
  environment: Environment,
  options: { logger?: Logger } = {},
): Promise<Connection> {
  const proxmox = await connectProxmox(environment, options.logger ? { logger: options.logger } : {});
  const closers: Array<() => Promise<void>> = [() => proxmox.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  const factoryEmbedded = environment.talos.factory === 'embedded';
  let embeddedFactory: Promise<string> | undefined;
  const factoryUrl = async () => {
    if (!factoryEmbedded) return environment.talos.factory;
    embeddedFactory ??= (async () => {
      const { startFactorySimulator } = await import('@infra/factory-sim');
      const factory = await startFactorySimulator({ cacheDir: join(simStateDir(environment), 'factory') });
      closers.push(() => factory.stop());
      return factory.url;
    })();
    return embeddedFactory;
  };
  return {
    client: proxmox.client,
    factoryUrl,
    host: proxmox.host,
    images: proxmox.images,
    requests: proxmox.requests,
    close,
  };
}
