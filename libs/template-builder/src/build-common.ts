import type { Logger } from '@infra/core';
import { MUTATING } from '@infra/proxmox-connect';
import { acquireBuildLock, type BuildLockOptions } from './build-lock';
import type { Connection } from './connect';
import type { StepEvent } from './execute';
import type { ApiStep } from './image-plan';
import type { BuildRun } from './run-marker';

/** Options every image build takes (Talos, cloud images). */
export interface BuildOptions {
  dryRun?: boolean;
  logger?: Logger;
  onEvent?: (event: StepEvent) => void;
  /** Use this connection instead of opening one (tests, benchmarks); it is not closed. */
  connection?: Connection;
  now?: () => Date;
  /** SIGINT/SIGTERM: stops the running step and cleans up like a failure (BUILD_INTERRUPTED). */
  signal?: AbortSignal;
  /** This run's identity (default: a fresh one); its markers are on the VM until it is a template. */
  run?: BuildRun;
  /** Build lock timing (tests); the defaults suit real builds. */
  lock?: Pick<BuildLockOptions, 'staleMs' | 'waitMs' | 'pollMs'>;
}

/** What every build reports; each OS adds its own identity fields. */
export interface BuildResultCommon {
  status: 'up-to-date' | 'built' | 'dry-run';
  environment: string;
  /** The build run's id (its marker tag is `infra-run-<id>` while it builds). */
  runId: string;
  node: string;
  fingerprint: string;
  vmid: number;
  name: string;
  /** The Proxmox API calls (dry run: would make; build: made), in order. */
  steps: Array<Pick<ApiStep, 'kind' | 'title' | 'method' | 'path' | 'params'>>;
  proxmoxRequests: { total: number; mutating: number };
  durationMs: number;
  warnings: string[];
}

/** Counts the Proxmox requests (all, and changing ones) a connection sends from now on. */
export function requestCounter(
  connection: Pick<Connection, 'requests'>,
): () => BuildResultCommon['proxmoxRequests'] {
  const before = connection.requests.length;
  return () => {
    const made = connection.requests.slice(before);
    return { total: made.length, mutating: made.filter((r) => MUTATING.has(r.method)).length };
  };
}

/** The steps as reported in a result (without the executor's bookkeeping fields). */
export const reportedSteps = (steps: readonly ApiStep[]): BuildResultCommon['steps'] =>
  steps.map(({ kind, title, method, path, params }) => ({ kind, title, method, path, params }));

/**
 * Runs `work` holding the cluster-wide build lock (waiting for another build first). `work` gets the signal
 * that aborts on an interrupt or when the lock is lost; the lock is released however `work` ends.
 */
export async function underBuildLock<T>(
  connection: Pick<Connection, 'client'>,
  node: string,
  run: BuildRun,
  options: Pick<BuildOptions, 'signal' | 'lock' | 'logger'>,
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
