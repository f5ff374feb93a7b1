import type { PveOperation, PveRequestParams, PveResponses } from '@infra/pve-api';
import { sleep } from './concurrency';
import { type CallOptions, PveCore, type Reconciled } from './core';
import { PveServerError } from './errors';
import { type TaskOutcome, type TaskStatusData, type WaitOptions, waitForTask } from './tasks';
import { parseUpid } from './upid';

/** Marks a task whose reply was lost but whose effect was confirmed on the server (there is no UPID to poll). */
export const RECONCILED_UPID = '';

export interface TaskCallOptions {
  wait?: WaitOptions;
  signal?: AbortSignal;
}

/** Task status, log, waiting, and running task-creating calls to completion (optionally serialised per node). */
export class PveTaskRunner extends PveCore {
  async taskStatus(
    node: string,
    upid: string,
  ): Promise<PveResponses['GET /nodes/{node}/tasks/{upid}/status']> {
    return this.call('GET /nodes/{node}/tasks/{upid}/status', { node, upid });
  }

  /** Log lines `start`…`start+limit` and the total line count. */
  async taskLog(
    node: string,
    upid: string,
    options: { start?: number; limit?: number } = {},
  ): Promise<{ lines: string[]; total: number }> {
    const env = await this.callEnvelope('GET /nodes/{node}/tasks/{upid}/log', {
      node,
      upid,
      ...(options.start === undefined ? {} : { start: options.start }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    });
    const lines = [...env.data].sort((a, b) => a.n - b.n).map((l) => l.t);
    return { lines, total: env.total ?? lines.length };
  }

  /** Asks Proxmox to stop a running task (the task then ends with an error, e.g. `interrupted by signal`). */
  async stopTask(node: string, upid: string): Promise<void> {
    await this.call('DELETE /nodes/{node}/tasks/{upid}', { node, upid });
  }

  /** Waits until the task stops; throws PveTaskFailedError (with the log tail) unless it ended OK or with warnings. */
  async waitForTask(upid: string, options: WaitOptions = {}): Promise<TaskOutcome> {
    return waitForTask(
      {
        taskStatus: (node, id) => this.taskStatus(node, id) as Promise<TaskStatusData>,
        taskLog: (node, id, start, limit) => this.taskLog(node, id, { start, limit }),
      },
      upid,
      options,
    );
  }

  /**
   * Starts a task and waits for it. `serialiseOn` holds a per-node lock from start to finish, because
   * concurrent clones/templates/imports on one node fail with "got timeout" lock errors in Proxmox.
   */
  protected async runTask<K extends PveOperation>(
    operation: K,
    params: PveRequestParams[K],
    node: string,
    options: TaskCallOptions & {
      serialiseOn?: string | undefined;
      reconcile?: () => Promise<Reconciled<PveResponses[K]>>;
      fallbackType: string;
    },
  ): Promise<TaskOutcome> {
    const run = async (): Promise<TaskOutcome> => {
      const callOptions: CallOptions<PveResponses[K]> = {};
      if (options.signal) callOptions.signal = options.signal;
      if (options.reconcile) callOptions.reconcile = options.reconcile;
      const upid = (await this.call(operation, params, callOptions)) as unknown;
      if (upid === RECONCILED_UPID || upid === null) {
        return {
          upid: null,
          node,
          type: options.fallbackType,
          exitstatus: 'OK',
          warnings: 0,
          durationMs: 0,
          reconciled: true,
        };
      }
      parseUpid(String(upid));
      return this.waitForTask(String(upid), {
        ...options.wait,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    };
    return options.serialiseOn ? this.nodeLocks.run(options.serialiseOn, run) : run();
  }

  /**
   * Polls `probe` until it reports a settled state: 'done', 'absent', or keeps saying 'busy' (a config lock such
   * as `lock: create`) until the wait deadline. Used by reconcilers after a lost reply.
   */
  protected async settle(
    probe: () => Promise<'done' | 'absent' | 'busy'>,
    options: TaskCallOptions = {},
  ): Promise<boolean> {
    const deadline = Date.now() + (options.wait?.timeoutMs ?? 15 * 60_000);
    for (let interval = 200; ; interval = Math.min(2_000, interval * 1.5)) {
      const state = await probe();
      if (state !== 'busy') return state === 'done';
      if (Date.now() > deadline) return false;
      await sleep(interval, options.signal);
    }
  }

  protected static isNotFound(error: unknown): boolean {
    return error instanceof PveServerError && error.kind === 'not-found';
  }
}
