import { InfraError } from '@infra/core';
import { sleep } from './concurrency';
import { type ProxmoxErrorCode, PveParameterError } from './errors';
import { isTaskSuccess, parseUpid } from './upid';

/**
 * Waiting for a Proxmox task: poll its status with backoff until it stops or the deadline passes. A failed task
 * is HTTP 200 with `exitstatus` ≠ OK, so the failure is raised here, with the last lines of the task log.
 */
export interface TaskStatusData {
  status: 'running' | 'stopped';
  exitstatus?: string | undefined;
  type?: string;
}

export interface TaskApi {
  taskStatus(node: string, upid: string): Promise<TaskStatusData>;
  taskLog(
    node: string,
    upid: string,
    start: number,
    limit: number,
  ): Promise<{ lines: string[]; total: number }>;
}

export interface TaskProgress {
  upid: string;
  node: string;
  type: string;
  status: 'running' | 'stopped';
  elapsedMs: number;
  polls: number;
}

export interface WaitOptions {
  /** Give up after this long (the task keeps running on the server). Default 15 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: TaskProgress) => void;
  initialIntervalMs?: number;
  maxIntervalMs?: number;
  /** How many log lines a failure carries. Default 20. */
  logLines?: number;
}

export interface TaskOutcome {
  /** null when the outcome was established by looking at the server after a lost reply (see `reconciled`). */
  upid: string | null;
  node: string;
  type: string;
  exitstatus: string;
  /** `WARNINGS: n` → n. */
  warnings: number;
  durationMs: number;
  reconciled: boolean;
}

export class PveTaskFailedError extends InfraError<ProxmoxErrorCode> {
  readonly upid: string;
  readonly exitStatus: string;
  readonly logTail: readonly string[];

  constructor(upid: string, exitStatus: string, logTail: string[]) {
    const task = parseUpid(upid);
    super(
      'PVE_TASK_FAILED',
      `Proxmox task ${task.type}${task.id ? ` ${task.id}` : ''} on ${task.node} failed: ${exitStatus}`,
      {
        hint: logTail.length > 0 ? `last log lines:\n${logTail.join('\n')}` : `see the task log: ${upid}`,
        details: { upid, exitStatus, logTail },
      },
    );
    this.name = 'PveTaskFailedError';
    this.upid = upid;
    this.exitStatus = exitStatus;
    this.logTail = logTail;
  }
}

export class PveTaskTimeoutError extends InfraError<ProxmoxErrorCode> {
  constructor(upid: string, timeoutMs: number) {
    super(
      'PVE_TASK_TIMEOUT',
      `Proxmox task ${upid} was still running after ${Math.round(timeoutMs / 1000)} s`,
      {
        hint: 'the task keeps running on the server; raise the timeout for slow storage, or check it in the Proxmox UI',
        details: { upid, timeoutMs },
      },
    );
    this.name = 'PveTaskTimeoutError';
  }
}

/** Right after creation a task may not be visible yet: "no such task" is tolerated this long. */
const NOT_YET_VISIBLE_GRACE_MS = 5_000;

export async function readLogTail(
  api: TaskApi,
  node: string,
  upid: string,
  lines: number,
): Promise<string[]> {
  try {
    const probe = await api.taskLog(node, upid, 0, 0);
    const start = Math.max(0, probe.total - lines);
    return (await api.taskLog(node, upid, start, lines)).lines;
  } catch {
    return [];
  }
}

export async function waitForTask(
  api: TaskApi,
  upid: string,
  options: WaitOptions = {},
  now: () => number = Date.now,
): Promise<TaskOutcome> {
  const { node, type } = parseUpid(upid);
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const maxInterval = options.maxIntervalMs ?? 2_000;
  let interval = options.initialIntervalMs ?? 150;
  const started = now();
  for (let polls = 1; ; polls += 1) {
    let status: TaskStatusData | undefined;
    try {
      status = await api.taskStatus(node, upid);
    } catch (error) {
      const notYet = error instanceof PveParameterError && /no such task/.test(error.errors.upid ?? '');
      if (!notYet || now() - started > NOT_YET_VISIBLE_GRACE_MS) throw error;
    }
    const elapsedMs = now() - started;
    if (status) {
      options.onProgress?.({ upid, node, type, status: status.status, elapsedMs, polls });
      if (status.status === 'stopped') {
        const exit = status.exitstatus ?? 'unexpected status';
        if (!isTaskSuccess(exit))
          throw new PveTaskFailedError(
            upid,
            exit,
            await readLogTail(api, node, upid, options.logLines ?? 20),
          );
        const warnings = Number(/^WARNINGS: (\d+)$/.exec(exit)?.[1] ?? 0);
        return { upid, node, type, exitstatus: exit, warnings, durationMs: elapsedMs, reconciled: false };
      }
    }
    if (elapsedMs >= timeoutMs) throw new PveTaskTimeoutError(upid, timeoutMs);
    await sleep(Math.min(interval, Math.max(0, timeoutMs - elapsedMs)), options.signal);
    interval = Math.min(maxInterval, Math.round(interval * 1.5));
  }
}
