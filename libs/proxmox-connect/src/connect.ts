import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import type { ProxmoxClient, RequestInfo, RetryPolicy } from '@infra/proxmox-client';
import type { Secrets } from '@infra/sops-secrets';
import { type EmbeddedHooks, openEmbeddedSimulator } from './embedded';
import { isEmbedded, type ProxmoxEnvironment } from './environment';
import { embeddedHost, type HostAdapter, realHost } from './host-adapter';
import { openHostImages } from './image-mirror';
import { parseSimFaults, SIM_FAULTS_ENV } from './sim-faults';

export interface ConnectOptions {
  logger?: Logger;
  /** Where SOPS keys and the `INFRA_SIM_FAULTS` testing hook are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  retry?: Partial<RetryPolicy>;
  /** For `endpoint: embedded`: hooks of companion simulators (ignored for real endpoints). */
  embedded?: EmbeddedHooks;
}

export interface ProxmoxConnection {
  client: ProxmoxClient;
  /** `endpoint: embedded`: the client talks to the simulator on `.infra/sim/`. */
  embedded: boolean;
  /** The URL the client talks to (the simulator's when embedded), for tools that need it too. */
  endpoint: string;
  /** The TLS trust in force (the simulator's pinned fingerprint when embedded), for `toolTrust`. */
  tls: ProxmoxEnvironment['proxmox']['tls'];
  /** The environment's decrypted secrets (registered with the redactor), for tools run against this host. */
  secrets: Secrets;
  /** How this host differs from a real one (the simulator's rules); builders ask it instead of `embedded`. */
  host: HostAdapter;
  /**
   * The environment's image catalog as this host downloads it (the embedded image mirror's copies with their
   * own checksums under `imageMirror: embedded`, else the catalog as configured).
   */
  images: Environment['images'];
  /** Requests sent so far (first attempts only, method + concrete path), for summaries and assertions. */
  readonly requests: ReadonlyArray<{ method: string; path: string }>;
  /** Closes the client and stops a simulator this call started (never one that was already running). */
  close(): Promise<void>;
}

/**
 * An authenticated client for the environment's Proxmox API, with the API token from its SOPS secrets. A real
 * endpoint is reached with the environment's TLS settings; `endpoint: embedded` reuses the simulator running
 * on `.infra/sim/` or starts one in this process, and pins its certificate fingerprint.
 */
export async function connectProxmox(
  environment: ProxmoxEnvironment,
  options: ConnectOptions = {},
): Promise<ProxmoxConnection> {
  const env = options.env ?? process.env;
  const embedded = isEmbedded(environment);
  // Validate the testing hook before anything slow happens (and only where it can apply).
  const faults = embedded ? await parseSimFaults(env[SIM_FAULTS_ENV]) : [];
  // Loaded on demand: callers import this package for commands that never talk to Proxmox.
  const [{ loadSecrets }, { ProxmoxClient }] = await Promise.all([
    import('@infra/sops-secrets'),
    import('@infra/proxmox-client'),
  ]);
  const secrets = await loadSecrets(environment, { env });
  const token = { tokenId: secrets.proxmox.tokenId, secret: secrets.proxmox.tokenSecret };
  const requests: Array<{ method: string; path: string }> = [];
  const onRequest = (info: RequestInfo) => {
    if (info.attempt === 1) requests.push({ method: info.method, path: info.path });
  };

  const sim = embedded
    ? await openEmbeddedSimulator(environment, token, faults, options.embedded)
    : undefined;
  let hostImages: Awaited<ReturnType<typeof openHostImages>> | undefined;
  try {
    hostImages = await openHostImages(environment);
    const mirror = hostImages;
    const endpoint = sim ? sim.url : environment.proxmox.endpoint;
    const tls = sim ? { fingerprint: sim.fingerprint } : environment.proxmox.tls;
    const client = new ProxmoxClient({
      endpoint,
      auth: { type: 'token', ...token },
      tls,
      onRequest,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
    });
    return {
      client,
      embedded,
      endpoint,
      tls,
      secrets,
      host: embedded ? embeddedHost : realHost,
      images: mirror.images,
      requests,
      close: async () => {
        await client.close().catch(() => undefined);
        await mirror.stop().catch(() => undefined);
        await sim?.stop();
      },
    };
  } catch (error) {
    await hostImages?.stop().catch(() => undefined);
    await sim?.stop().catch(() => undefined);
    throw error;
  }
}
