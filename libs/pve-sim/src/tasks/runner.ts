import { encodeUpid } from '@infra/pve-api';
import type { Rng } from '../rng';
import type { TaskRecord } from '../state/schema';
import type { StateStore } from '../state/store';
import { recoverInterruptedTasks } from './recover';

export interface TaskContext {
  log(line: string): void;
  /** A `WARN: …` line; any warning turns the final status into `WARNINGS: n` (still a success). */
  warn(line: string): void;
  readonly signal: AbortSignal;
}

export interface TaskSpec {
  node: string;
  type: string;
  id: string;
  /** The authenticated id: `user@realm` or `user@realm!token`. */
  user: string;
  work(ctx: TaskContext): Promise<void>;
  /** Undo partial effects when the task fails (e.g. remove the half-created VM). */
  rollback?(): void;
  /** Always runs at the end (release locks). */
  cleanup?(): void;
  /** The request that started it (for fault rules that match on method/path). */
  origin?: { method: string; path: string };
}

export interface TaskRunnerOptions {
  /** Minimum wall time of every task, so clients really poll; read at each task start (may change at run time). */
  durationMs(): number;
  /** Asked when a task starts: a message makes it fail with that error instead of doing its work. */
  injectFailure?(task: TaskSpec): { message: string; log?: string[] } | null;
  /** Asked when a task starts: `WARN:` lines to log after its work (the task still succeeds). */
  injectWarnings?(task: TaskSpec): string[];
}

/**
 * Runs worker tasks the way pvedaemon's fork_worker does: the API call returns a UPID at once, the task runs
 * in the background, its log ends with `TASK OK`, `TASK WARNINGS: n` or `TASK ERROR: <msg>`, and the status
 * endpoint derives `exitstatus` from that last line. Failures live in the task, never in the HTTP status.
 */
export class TaskRunner {
  private readonly running = new Map<string, { done: Promise<void>; abort: AbortController }>();
  private readonly bootMs = Date.now() - 12_000_000;

  constructor(
    private readonly store: StateStore,
    private readonly rng: Rng,
    private readonly options: TaskRunnerOptions,
  ) {
    // Workers that were running when the last process stopped are gone, and their logs have no final line.
    recoverInterruptedTasks(store.state);
  }

  start(spec: TaskSpec): string {
    const state = this.store.state;
    state.nextPid += this.rng.int(1, 40);
    const record: TaskRecord = {
      upid: '',
      node: spec.node,
      pid: state.nextPid,
      pstart: Math.floor((Date.now() - this.bootMs) / 10),
      starttime: Math.floor(Date.now() / 1000),
      type: spec.type,
      id: spec.id,
      user: spec.user,
      status: 'running',
      log: [],
    };
    const [user, tokenid] = spec.user.split('!') as [string, string?];
    record.upid = encodeUpid({ ...record, user, ...(tokenid === undefined ? {} : { tokenid }) });
    state.tasks.push(record);
    void this.store.save();
    const abort = new AbortController();
    const done = this.run(record, spec, abort.signal).finally(() => this.running.delete(record.upid));
    this.running.set(record.upid, { done, abort });
    return record.upid;
  }

  get(upid: string): TaskRecord | undefined {
    return this.store.state.tasks.find((t) => t.upid === upid);
  }

  /** DELETE /nodes/{node}/tasks/{upid}: the worker ends with an error. */
  stop(upid: string): void {
    this.running.get(upid)?.abort.abort();
  }

  /** Stops every running task (shutdown after a grace period). */
  abortAll(): void {
    for (const running of this.running.values()) running.abort.abort();
  }

  /** Resolves when every running task has finished. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  private async run(record: TaskRecord, spec: TaskSpec, signal: AbortSignal): Promise<void> {
    let warnings = 0;
    const ctx: TaskContext = {
      log: (line) => record.log.push(...line.split('\n')),
      warn: (line) => {
        warnings++;
        record.log.push(`WARN: ${line}`);
      },
      signal,
    };
    const minimum = delay(this.options.durationMs(), signal);
    let error: string | null = null;
    // Decided when the task starts (as documented), so a rule added later never hits an older task.
    const injectedWarnings = this.options.injectWarnings?.(spec) ?? [];
    try {
      const injected = this.options.injectFailure?.(spec);
      if (injected) {
        for (const line of injected.log ?? []) ctx.log(line);
        await minimum;
        throw new Error(injected.message);
      }
      await spec.work(ctx);
      for (const warning of injectedWarnings) ctx.warn(warning);
      await minimum;
      if (signal.aborted) throw new Error('interrupted by signal');
    } catch (caught) {
      error = signal.aborted
        ? 'interrupted by signal'
        : caught instanceof Error
          ? caught.message
          : String(caught);
    }
    if (error !== null) {
      try {
        spec.rollback?.();
      } catch {
        // a failing rollback must not hide the task's own error
      }
      const firstLine = error.split('\n')[0] ?? error;
      record.log.push(`TASK ERROR: ${firstLine}`);
      record.exitstatus = firstLine;
    } else if (warnings > 0) {
      record.log.push(`TASK WARNINGS: ${warnings}`);
      record.exitstatus = `WARNINGS: ${warnings}`;
    } else {
      record.log.push('TASK OK');
      record.exitstatus = 'OK';
    }
    spec.cleanup?.();
    record.status = 'stopped';
    record.endtime = Math.floor(Date.now() / 1000);
    await this.store.save();
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
