import { join } from 'node:path';
import type { ProxmoxClient } from '@infra/proxmox-client';

/** The parts of an `Environment` (@infra/config) needed to reach its Proxmox API. */
export interface ProxmoxEnvironment {
  name: string;
  repoRoot: string;
  proxmox: {
    endpoint: string;
    node: string;
    tls: { fingerprint?: string; caFile?: string; insecure?: boolean };
  };
  secrets: string;
  ageKeyFile?: string;
}

export interface ProxmoxConnection {
  client: ProxmoxClient;
  close(): Promise<void>;
}

/**
 * A client for the environment's Proxmox API, authenticated with the API token from its SOPS secrets. For
 * `endpoint: embedded` the simulator runs in this process on its persisted state (`.infra/sim/`), with the
 * environment's token as an administrator, as the local demo environment expects.
 */
export async function connectProxmox(environment: ProxmoxEnvironment): Promise<ProxmoxConnection> {
  // Loaded on demand: only `map` talks to Proxmox, and these modules are slow to load for the other commands.
  const { loadSecrets } = await import('@infra/sops-secrets');
  const { ProxmoxClient } = await import('@infra/proxmox-client');
  const secrets = await loadSecrets(environment);
  const token = { tokenId: secrets.proxmox.tokenId, secret: secrets.proxmox.tokenSecret };
  if (environment.proxmox.endpoint !== 'embedded') {
    const client = new ProxmoxClient({
      endpoint: environment.proxmox.endpoint,
      auth: { type: 'token', ...token },
      tls: environment.proxmox.tls,
    });
    return { client, close: () => client.close() };
  }
  const user = token.tokenId.slice(0, token.tokenId.indexOf('!'));
  const { startSimulator } = await import('@infra/pve-sim');
  const sim = await startSimulator({
    stateDir: join(environment.repoRoot, '.infra', 'sim'),
    nodeName: environment.proxmox.node,
    accounts: {
      users: [{ userid: user }],
      tokens: [{ id: token.tokenId, secret: token.secret, privsep: false }],
      acl: [{ path: '/', roleid: 'Administrator', ugid: user, type: 'user' }],
    },
  });
  const client = new ProxmoxClient({
    endpoint: sim.url,
    auth: { type: 'token', ...token },
    tls: { fingerprint: sim.fingerprint },
  });
  return {
    client,
    close: async () => {
      await client.close();
      await sim.stop();
    },
  };
}
