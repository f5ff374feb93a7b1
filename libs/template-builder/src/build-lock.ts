import { hostname } from 'node:os';
import { InfraError, type Logger } from '@infra/core';
import { type ProxmoxClient, PveServerError } from '@infra/proxmox-client';
import type { Connection } from './connect';
import type { TemplateBuilderErrorCode } from './error-codes';
import { splitTags } from './plan';
import type { BuildRun } from './run-marker';

/**
 * One build at a time per Proxmox cluster, across processes and machines: the lock lives in the cluster itself,
 * as a diskless, never-started VM at a fixed VMID. Creating a VM with a given VMID is atomic in Proxmox (the
 * second POST fails with "already exists"), so whoever's create returns a task id holds the lock. The holder
 * rewrites the VM's description (its heartbeat) every `staleMs / 4`; a waiter that sees the config digest
 * unchanged for `staleMs` by its own clock takes the lock over with a digest-guarded PUT, so a crashed holder
 * never blocks forever, clocks of different machines never matter, and two waiters cannot both take over.
 * A holder on the same machine whose pid no longer exists is taken over on the second look (one poll).
 * The lock VM exists only while a build runs; release deletes it (only if this run still holds it).
 */
export const BUILD_LOCK_VMID = 999_999_999;
export const BUILD_LOCK_NAME = 'infra-build-lock';
const LOCK_TAG = 'infra-lock';
const MANAGED_BY = 'infra build lock';

export interface LockHolder {
  managedBy: typeof MANAGED_BY;
  runId: string;
  host: string;
  pid: number;
  acquiredAt: string;
  heartbeat: number;
}

export interface BuildLockOptions {
  node: string;
  run: BuildRun;
  /** Heartbeat silence after which a holder counts as dead (default 90 s). */
  staleMs?: number;
  /** How long to wait for another build before giving up (default 30 min). */
  waitMs?: number;
  /** How often a waiter looks again (default 2 s). */
  pollMs?: number;
  signal?: AbortSignal;
  /** Called when the lock is held by another run (once per holder). */
  onWait?: (holder: LockHolder | undefined) => void;
}

export interface HeldBuildLock {
  /** Aborted when the lock was taken away (this run's heartbeat stopped for too long). */
  readonly lost: AbortSignal;
  /** True when this run took the lock over from a holder whose heartbeat had stopped. */
  readonly tookOver: boolean;
  release(): Promise<void>;
}

const DEFAULTS = { staleMs: 90_000, waitMs: 30 * 60_000, pollMs: 2_000 };

function parseHolder(description: unknown): LockHolder | undefined {
  if (typeof description !== 'string') return undefined;
  try {
    const value = JSON.parse(description) as Partial<LockHolder>;
    return value.managedBy === MANAGED_BY && typeof value.runId === 'string'
      ? (value as LockHolder)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A holder on this machine whose process is gone is dead now, without waiting out its heartbeat. */
function holderDiedHere(holder: LockHolder): boolean {
  if (holder.host !== hostname() || !Number.isInteger(holder.pid) || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const holderText = (run: BuildRun, acquiredAt: string, heartbeat: number) =>
  JSON.stringify({
    managedBy: MANAGED_BY,
    runId: run.id,
    host: hostname(),
    pid: process.pid,
    acquiredAt,
    heartbeat,
  } satisfies LockHolder);

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

interface LockVmConfig {
  digest?: string;
  description?: string;
  tags?: string;
  name?: string;
  lock?: string;
}

async function readLockVm(client: ProxmoxClient, node: string): Promise<LockVmConfig | undefined> {
  try {
    return (await client.vmConfig(node, BUILD_LOCK_VMID)) as LockVmConfig;
  } catch (error) {
    if (error instanceof PveServerError && error.kind === 'not-found') return undefined;
    throw error;
  }
}

export async function acquireBuildLock(
  client: ProxmoxClient,
  options: BuildLockOptions,
): Promise<HeldBuildLock> {
  const { node, run, signal } = options;
  const staleMs = options.staleMs ?? DEFAULTS.staleMs;
  const pollMs = options.pollMs ?? DEFAULTS.pollMs;
  const deadline = performance.now() + (options.waitMs ?? DEFAULTS.waitMs);
  const acquiredAt = new Date().toISOString();
  let seen: { digest: string; since: number } | undefined;
  let reportedHolder: string | undefined;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    try {
      const created = await client.createVm(node, {
        vmid: BUILD_LOCK_VMID,
        name: BUILD_LOCK_NAME,
        tags: ['infra', LOCK_TAG].join(';'),
        description: holderText(run, acquiredAt, 0),
        onboot: 0,
      });
      // After a lost reply the client only knows a lock VM exists: it is ours only if it names this run.
      const ours =
        created.upid !== null || parseHolder((await readLockVm(client, node))?.description)?.runId === run.id;
      if (ours) return holdLock(client, node, run, acquiredAt, staleMs, false);
    } catch (error) {
      const contended =
        error instanceof PveServerError && (error.kind === 'already-exists' || error.kind === 'lock-timeout');
      if (!contended) throw error;
    }
    const config = await readLockVm(client, node);
    if (config) {
      const holder = parseHolder(config.description);
      if (config.name !== BUILD_LOCK_NAME || !splitTags(config.tags).includes(LOCK_TAG) || !holder) {
        if (config.lock === undefined) {
          throw new InfraError<TemplateBuilderErrorCode>(
            'BUILD_LOCK_VMID_TAKEN',
            `VM ${BUILD_LOCK_VMID} exists but is not this tool's build lock (name "${config.name ?? ''}")`,
            {
              hint: `VMID ${BUILD_LOCK_VMID} is reserved for the build lock of infra; move that VM to another VMID`,
            },
          );
        }
      } else if (holder.runId !== reportedHolder) {
        reportedHolder = holder.runId;
        options.onWait?.(holder);
      }
      const digest = config.digest ?? '';
      if (seen?.digest !== digest) seen = { digest, since: performance.now() };
      else if (
        holder &&
        config.lock === undefined &&
        (performance.now() - seen.since >= staleMs || holderDiedHere(holder))
      ) {
        try {
          await client.updateVmConfig(node, BUILD_LOCK_VMID, {
            description: holderText(run, acquiredAt, 0),
            digest,
          });
          return holdLock(client, node, run, acquiredAt, staleMs, true);
        } catch (error) {
          if (!(error instanceof PveServerError)) throw error;
          seen = undefined; // someone else was faster, or the holder woke up: keep waiting
        }
      }
    }
    if (performance.now() > deadline) {
      throw new InfraError<TemplateBuilderErrorCode>(
        'BUILD_LOCK_TIMEOUT',
        `another build holds the build lock (VM ${BUILD_LOCK_VMID} on ${node}) and did not finish in time`,
        {
          hint: `wait for it and run again; if no build runs, its heartbeat stops and the lock is taken over after ${Math.round(staleMs / 1000)} s`,
        },
      );
    }
    await sleep(pollMs, signal);
  }
}

function holdLock(
  client: ProxmoxClient,
  node: string,
  run: BuildRun,
  acquiredAt: string,
  staleMs: number,
  tookOver: boolean,
): HeldBuildLock {
  const lost = new AbortController();
  let heartbeat = 0;
  let stopped = false;
  let beating: Promise<void> = Promise.resolve();
  const beat = async () => {
    const config = await readLockVm(client, node);
    if (parseHolder(config?.description)?.runId !== run.id) {
      throw new InfraError<TemplateBuilderErrorCode>(
        'BUILD_LOCK_LOST',
        `this build lost the build lock (VM ${BUILD_LOCK_VMID})`,
        {
          hint: 'another build took it over because this one stopped sending heartbeats; run the build again',
        },
      );
    }
    if (!config || config.lock !== undefined) return; // our own create task is still finishing
    heartbeat++;
    await client.updateVmConfig(node, BUILD_LOCK_VMID, {
      description: holderText(run, acquiredAt, heartbeat),
      ...(config.digest ? { digest: config.digest } : {}),
    });
  };
  const timer = setInterval(() => {
    if (stopped) return;
    beating = beating.then(beat).catch((error: unknown) => {
      if (!stopped) lost.abort(error);
    });
  }, staleMs / 4);
  timer.unref();
  return {
    lost: lost.signal,
    tookOver,
    async release() {
      stopped = true;
      clearInterval(timer);
      await beating;
      const config = await readLockVm(client, node).catch(() => undefined);
      if (parseHolder(config?.description)?.runId !== run.id) return;
      // A lock VM still being created has `lock: create`; the delete waits for it like any VM lock.
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          await client.deleteVm(node, BUILD_LOCK_VMID, { purge: true });
          return;
        } catch (error) {
          if (error instanceof PveServerError && error.kind === 'not-found') return;
          if (!(error instanceof PveServerError && /locked/.test(error.message))) throw error;
          await sleep(250);
        }
      }
    },
  };
}

/**
 * Runs `work` holding the cluster-wide build lock (waiting for another build first). `work` gets the signal
 * that aborts on an interrupt or when the lock is lost; the lock is released however `work` ends.
 */
export async function underBuildLock<T>(
  connection: Pick<Connection, 'client'>,
  node: string,
  run: BuildRun,
  options: {
    signal?: AbortSignal;
    lock?: Pick<BuildLockOptions, 'staleMs' | 'waitMs' | 'pollMs'>;
    logger?: Logger;
  },
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const lock = await acquireBuildLock(connection.client, {
    node,
    run,
    ...options.lock,
    ...(options.signal ? { signal: options.signal } : {}),
    onWait: (holder) =>
      options.logger?.info(
        holder
          ? `waiting for the build lock: build run ${holder.runId} (${holder.host}, pid ${holder.pid}) is building`
          : 'waiting for the build lock',
      ),
  });
  if (lock.tookOver)
    options.logger?.warn('took over the build lock from a build whose heartbeat had stopped');
  try {
    return await work(options.signal ? AbortSignal.any([options.signal, lock.lost]) : lock.lost);
  } finally {
    await lock.release();
  }
}
