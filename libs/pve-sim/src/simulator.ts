import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { InfraError, type Logger, writeFileAtomic } from '@infra/core';
import type { z } from 'zod';
import { ensureAdminKey, handleAdminRequest, issueTokenWithRoles } from './admin';
import { type Accounts, accountsSchema, applyAccounts, hashPassword } from './auth/accounts';
import { Permissions } from './auth/permissions';
import { TICKET_LIFETIME_SECONDS } from './auth/tickets';
import { defaultGuestAddresses, type GuestAddressHook, type SimCore, type Timing } from './core';
import type { PveSimErrorCode } from './error-codes';
import { FaultInjector, type FaultRule, faultRulesSchema } from './faults';
import { handleApiRequest } from './http/pipeline';
import { Router } from './http/router';
import { LockManager } from './locks';
import { RequestLog } from './request-log';
import { createRng } from './rng';
import { ALL_ROUTES } from './routes';
import type { SimState } from './state/schema';
import { StateStore } from './state/store';
import { TaskRunner } from './tasks/runner';
import { ensureTls } from './tls';
import { officialSchemaValidator, type RequestValidator } from './validation';

export interface SimulatorOptions {
  /** Where state, certificates and stored files live (the CLI default is `.infra/sim/`). */
  stateDir: string;
  /** 0 (default) picks a free port. Always bound to 127.0.0.1. */
  port?: number;
  /** Seeds the RNG behind fault probabilities, MACs and PIDs. */
  seed?: number | string;
  faults?: FaultRule[];
  /** JSON-lines request log file; defaults to $PVE_SIM_LOG. */
  log?: string;
  /** Where unexpected handler failures are reported (never secrets). */
  logger?: Logger;
  timing?: Partial<Timing>;
  /** Users, passwords, tokens (with their secrets) and ACLs to ensure exist. */
  accounts?: Accounts;
  /** A standalone host's name (default `pve`); ignored when `nodes` is given. */
  nodeName?: string;
  /**
   * Cluster nodes, e.g. `['pve1', 'pve2', 'pve3']`: one API endpoint for all of them (pveproxy forwards
   * `/nodes/{node}/…`), node-local `local`/`local-lvm` on each, shared `nfs-shared` and `ceph-rbd`. Only a
   * fresh state directory is seeded; an existing one keeps its nodes.
   */
  nodes?: readonly string[];
  /** What the QEMU guest agent reports per VM (default: a stable 10.0.x.y per VMID); see GuestAddressHook. */
  guestAddresses?: GuestAddressHook;
  validator?: RequestValidator;
}

export interface IssuedToken {
  tokenId: string;
  secret: string;
  /** The Authorization header value: `PVEAPIToken=<id>=<secret>`. */
  header: string;
}

export interface Simulator {
  /** `https://127.0.0.1:<port>`; the API is under `/api2/json`. */
  url: string;
  port: number;
  fingerprint: string;
  certPem: string;
  caPem: string;
  readonly state: SimState;
  faults: FaultInjector;
  /** The live timing; tests may change it while the simulator runs (e.g. slow tasks down to provoke lock contention). */
  timing: Timing;
  /** Creates or rotates an API token (privilege separation off unless `privsep`), plus ACL entries for it. */
  issueToken(
    id: string,
    options?: { privsep?: boolean; roles?: Array<{ path: string; roleid: string }> },
  ): Promise<IssuedToken>;
  setPassword(userid: string, password: string): Promise<void>;
  /** Waits until no task is running. */
  idle(): Promise<void>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5000;

export const DEFAULT_TIMING: Timing = {
  taskMs: 200,
  rrdLagMs: 0,
  agentBootMs: 1000,
  authFailureDelayMs: 0,
  ticketLifetimeSeconds: TICKET_LIFETIME_SECONDS,
};

/** Options are a boundary: a bad rule or account is an InfraError naming the field, not a stack trace. */
function checked<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InfraError<PveSimErrorCode>(
    'SIM_OPTIONS_INVALID',
    `startSimulator: ${name}.${issue?.path.join('.')}: ${issue?.message}`,
    {
      hint: 'see libs/pve-sim/README.md for the accepted options (token ids look like user@realm!name, names 2+ characters)',
    },
  );
}

/** Refuses to share a state dir with another live simulator process (two writers would lose updates). */
async function assertNotRunningElsewhere(stateDir: string): Promise<void> {
  const text = await readFile(join(stateDir, 'sim.json'), 'utf8').catch(() => null);
  if (!text) return;
  const info = JSON.parse(text) as { pid?: number; url?: string };
  if (!info.pid || info.pid === process.pid) return;
  try {
    process.kill(info.pid, 0);
  } catch {
    return;
  }
  throw new InfraError<PveSimErrorCode>(
    'SIM_ALREADY_RUNNING',
    `a simulator (pid ${info.pid}) already serves ${stateDir} at ${info.url}`,
    {
      hint: 'use that one, stop it with `./infra sim stop`, or pass another state directory',
    },
  );
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const { stateDir } = options;
  const nodes = options.nodes && options.nodes.length > 0 ? options.nodes : [options.nodeName ?? 'pve'];
  await assertNotRunningElsewhere(stateDir);
  const store = await StateStore.open(stateDir, { nodes });
  const tls = await ensureTls(stateDir, nodes[0]!);
  const adminKey = await ensureAdminKey(stateDir);
  const rng = createRng(options.seed);
  const timing: Timing = { ...DEFAULT_TIMING, ...options.timing };
  const faults = new FaultInjector(rng, checked(faultRulesSchema, options.faults ?? [], 'faults'));
  const tasks = new TaskRunner(store, rng, {
    durationMs: () => timing.taskMs,
    injectFailure: (spec) =>
      faults.taskFailure(spec.origin?.method ?? '', spec.origin?.path ?? '', spec.type),
    injectWarnings: (spec) =>
      faults.taskWarnings(spec.origin?.method ?? '', spec.origin?.path ?? '', spec.type),
  });
  const core: SimCore = {
    store,
    tasks,
    locks: new LockManager(),
    faults,
    perms: new Permissions(() => store.state),
    rng,
    timing,
    tls,
    guestAddresses: options.guestAddresses ?? defaultGuestAddresses,
  };
  if (options.accounts) applyAccounts(store.state, checked(accountsSchema, options.accounts, 'accounts'));
  await store.save();

  const requestLog = new RequestLog(options.log ?? process.env.PVE_SIM_LOG);
  const deps = {
    core,
    router: new Router(ALL_ROUTES),
    validator: options.validator ?? officialSchemaValidator,
    requestLog,
    ...(options.logger ? { log: options.logger } : {}),
  };
  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const work = url.pathname.startsWith('/_sim/')
      ? handleAdminRequest(core, adminKey, req, res, url)
      : url.pathname === '/api2/json' || url.pathname.startsWith('/api2/json/')
        ? handleApiRequest(deps, req, res, url)
        : Promise.resolve(
            void res
              .writeHead(501, `Method '${req.method} ${url.pathname}' not implemented`, {
                Connection: 'close',
              })
              .end(),
          );
    work.catch((error: unknown) => {
      options.logger?.warn(
        `pve-sim: request failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (!res.headersSent) res.writeHead(500, { Connection: 'close' }).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new InfraError<PveSimErrorCode>(
              'SIM_PORT_IN_USE',
              `port ${options.port} on 127.0.0.1 is already in use`,
              {
                hint: 'pick another --port or stop whatever listens there',
              },
            )
          : error,
      ),
    );
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  await writeFileAtomic(
    join(stateDir, 'sim.json'),
    `${JSON.stringify({ url, port, pid: process.pid, fingerprint: tls.fingerprint })}\n`,
    { mode: 0o600 },
  );

  let stopped = false;
  return {
    url,
    port,
    fingerprint: tls.fingerprint,
    certPem: tls.certPem,
    caPem: tls.caPem,
    get state() {
      return store.state;
    },
    faults,
    timing,
    async issueToken(id, tokenOptions = {}) {
      const secret = issueTokenWithRoles(core, {
        id,
        privsep: tokenOptions.privsep ?? false,
        ...(tokenOptions.roles ? { roles: tokenOptions.roles } : {}),
      });
      await store.save();
      return { tokenId: id, secret, header: `PVEAPIToken=${id}=${secret}` };
    },
    async setPassword(userid, password) {
      store.state.users[userid] ??= { enable: true, expire: 0, groups: [] };
      store.state.users[userid].passwordHash = hashPassword(password);
      await store.save();
    },
    idle: () => tasks.idle(),
    async reset() {
      await tasks.idle();
      await store.reset();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      // Give running tasks a grace period, then interrupt them (a download from a stalled server would hang).
      const grace = setTimeout(() => tasks.abortAll(), STOP_GRACE_MS);
      await tasks.idle();
      clearTimeout(grace);
      await store.save();
      await requestLog.flush();
      await rm(join(stateDir, 'sim.json'), { force: true });
    },
  };
}
