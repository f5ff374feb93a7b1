import { join } from 'node:path';
import { InfraError, type Logger } from '@infra/cli';
import type { Environment } from '@infra/config';
import type { ProxmoxClient, RequestInfo } from '@infra/proxmox-client';

/**
 * A connection to an environment's Proxmox API and Talos Image Factory. `endpoint: embedded` /
 * `factory: embedded` start the simulators in this process, with state under `<repo>/.infra/sim/` (persisted,
 * so the next run sees this run's templates). Credentials come from the environment's SOPS secrets.
 */
export interface Connection {
  client: ProxmoxClient;
  /** The factory's base URL; an embedded factory is started on first use (up-to-date builds never need it). */
  factoryUrl(): Promise<string>;
  pveEmbedded: boolean;
  factoryEmbedded: boolean;
  /** Proxmox requests sent so far (method + path), for summaries and benchmarks. */
  readonly requests: ReadonlyArray<{ method: string; path: string }>;
  close(): Promise<void>;
}

export const MUTATING = new Set(['POST', 'PUT', 'DELETE']);

export const simStateDir = (environment: Pick<Environment, 'repoRoot'>) =>
  join(environment.repoRoot, '.infra', 'sim');

export async function connectEnvironment(
  environment: Environment,
  options: { logger?: Logger } = {},
): Promise<Connection> {
  const { loadSecrets } = await import('@infra/sops-secrets');
  const { ProxmoxClient } = await import('@infra/proxmox-client');
  const secrets = await loadSecrets(environment);
  const token = { tokenId: secrets.proxmox.tokenId, secret: secrets.proxmox.tokenSecret };
  const requests: Array<{ method: string; path: string }> = [];
  const onRequest = (info: RequestInfo) => {
    if (info.attempt === 1) requests.push({ method: info.method, path: info.path });
  };
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };

  try {
    let client: ProxmoxClient;
    const pveEmbedded = environment.proxmox.endpoint === 'embedded';
    if (!pveEmbedded) {
      client = new ProxmoxClient({
        endpoint: environment.proxmox.endpoint,
        auth: { type: 'token', ...token },
        tls: environment.proxmox.tls,
        onRequest,
        ...(options.logger ? { logger: options.logger } : {}),
      });
      closers.push(() => client.close());
    } else {
      const { findRunning, startSimulator } = await import('@infra/pve-sim');
      const stateDir = simStateDir(environment);
      const running = await findRunning(stateDir);
      let endpoint: string;
      let fingerprint: string;
      if (running) {
        // A simulator started with `scripts/sim.ts start --detach` serves this state: use it.
        endpoint = running.url;
        fingerprint = running.fingerprint;
      } else {
        const user = token.tokenId.slice(0, token.tokenId.indexOf('!'));
        const sim = await startSimulator({
          stateDir,
          nodeName: environment.proxmox.node,
          accounts: {
            users: [{ userid: user }],
            tokens: [{ id: token.tokenId, secret: token.secret, privsep: false }],
            acl: [{ path: '/', roleid: 'Administrator', ugid: user, type: 'user' }],
          },
        });
        closers.push(() => sim.stop());
        endpoint = sim.url;
        fingerprint = sim.fingerprint;
      }
      client = new ProxmoxClient({
        endpoint,
        auth: { type: 'token', ...token },
        tls: { fingerprint },
        onRequest,
      });
      closers.push(() => client.close());
    }

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
    return { client, factoryUrl, pveEmbedded, factoryEmbedded, requests, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The embedded Proxmox host is a demo of a host set up as the README says, which includes allowing `import`
 * content on the images storage (PVE ships with it off). Only ever called for `endpoint: embedded`.
 */
export async function prepareEmbeddedHost(client: ProxmoxClient, environment: Environment): Promise<boolean> {
  if (environment.proxmox.endpoint !== 'embedded') {
    throw new InfraError('NOT_EMBEDDED', 'prepareEmbeddedHost only changes the embedded simulator');
  }
  const storage = environment.proxmox.storage.images;
  const config = (await client.storageConfig(storage)) as { content?: string };
  const content = (config.content ?? '').split(',').filter(Boolean);
  if (content.includes('import')) return false;
  await client.updateStorage(storage, { content: [...content, 'import'].join(',') });
  return true;
}
