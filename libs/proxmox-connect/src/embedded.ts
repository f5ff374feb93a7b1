import { InfraError } from '@infra/core';
import type { Accounts, FaultRule, SimulatorOptions } from '@infra/pve-sim';
import { type ProxmoxEnvironment, simStateDir } from './environment';
import type { ConnectErrorCode } from './error-codes';
import { SIM_FAULTS_ENV } from './sim-faults';

export interface EmbeddedEndpoint {
  url: string;
  /** SHA-256 of the simulator's certificate; the client pins it. */
  fingerprint: string;
  /** True when this process started the simulator (and stops it on close). */
  started: boolean;
  stop(): Promise<void>;
}

/** What companion simulators plug into an embedded Proxmox simulator this process starts. */
export interface EmbeddedHooks {
  /** What the guest agent reports per VM (the Talos simulator's 127.0.0.x for its nodes). */
  guestAddresses?: SimulatorOptions['guestAddresses'];
}

/** The environment's API token as an administrator account, which is what the local demo expects. */
export function tokenAccounts(token: { tokenId: string; secret: string }): Accounts {
  const user = token.tokenId.slice(0, token.tokenId.indexOf('!'));
  return {
    users: [{ userid: user }],
    tokens: [{ id: token.tokenId, secret: token.secret, privsep: false }],
    acl: [{ path: '/', roleid: 'Administrator', ugid: user, type: 'user' }],
  };
}

/**
 * The simulator serving `<repo>/.infra/sim/`: the one already running there (e.g. `scripts/sim.ts start
 * --detach`), after making sure the environment's token exists on it, or a new one in this process.
 */
export async function openEmbeddedSimulator(
  environment: ProxmoxEnvironment,
  token: { tokenId: string; secret: string },
  faults: FaultRule[],
  hooks: EmbeddedHooks = {},
): Promise<EmbeddedEndpoint> {
  // Loaded on demand: the simulator pulls in the PVE schema, which real endpoints never need.
  const { ensureSimAccounts, findRunning, startSimulator } = await import('@infra/pve-sim');
  const stateDir = simStateDir(environment);
  const accounts = tokenAccounts(token);
  const running = await findRunning(stateDir);
  if (running) {
    if (faults.length > 0)
      throw new InfraError<ConnectErrorCode>(
        'SIM_FAULTS_NOT_APPLIED',
        `${SIM_FAULTS_ENV} is set, but a simulator started elsewhere (pid ${running.pid}) already serves ${stateDir}`,
        {
          hint: 'stop it (`./infra sim stop`) so this run starts its own, or start it with --faults',
        },
      );
    if (hooks.guestAddresses)
      throw new InfraError<ConnectErrorCode>(
        'SIM_HOOK_NOT_APPLIED',
        `the guest-agent addresses of the Talos simulator need the Proxmox simulator in this process, but one started elsewhere (pid ${running.pid}) already serves ${stateDir}`,
        { hint: 'stop it (`./infra sim stop`) so this run starts its own' },
      );
    await ensureSimAccounts(stateDir, accounts);
    return { url: running.url, fingerprint: running.fingerprint, started: false, stop: async () => {} };
  }
  const sim = await startSimulator({
    stateDir,
    nodeName: environment.proxmox.node,
    accounts,
    ...(faults.length > 0 ? { faults } : {}),
    ...(hooks.guestAddresses ? { guestAddresses: hooks.guestAddresses } : {}),
  });
  return { url: sim.url, fingerprint: sim.fingerprint, started: true, stop: () => sim.stop() };
}
