import type { Logger } from '@infra/core';
import { MUTATING } from '@infra/proxmox-connect';
import type { Connection } from './connect';
import type { ApiStep } from './image-plan';
import type { StepEvent } from './talos/execute';

/** Options every image build takes (Talos, cloud images). */
export interface BuildOptions {
  dryRun?: boolean;
  logger?: Logger;
  onEvent?: (event: StepEvent) => void;
  /** Use this connection instead of opening one (tests, benchmarks); it is not closed. */
  connection?: Connection;
  now?: () => Date;
}

/** What every build reports; each OS adds its own identity fields. */
export interface BuildResultCommon {
  status: 'up-to-date' | 'built' | 'dry-run';
  environment: string;
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
