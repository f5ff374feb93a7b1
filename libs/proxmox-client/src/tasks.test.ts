import { describe, expect, it } from 'vitest';
import { PveParameterError } from './errors';
import { PveTaskFailedError, type TaskApi, type TaskStatusData, waitForTask } from './tasks';

const UPID = 'UPID:pve:0001A2B3:00C4D5E6:68920F3A:qmclone:9000:root@pam!ci:';

/** A task that reports `running` for `runningPolls` polls, then `exitstatus`. */
function fakeTask(runningPolls: number, exitstatus: string, log: string[] = [], notYetVisible = 0) {
  let polls = 0;
  const api: TaskApi = {
    async taskStatus(): Promise<TaskStatusData> {
      polls += 1;
      if (polls <= notYetVisible)
        throw new PveParameterError({ method: 'GET', path: '/x' }, { upid: 'no such task' });
      return polls <= runningPolls + notYetVisible
        ? { status: 'running' }
        : { status: 'stopped', exitstatus };
    },
    async taskLog(_node, _upid, start, limit) {
      return { lines: log.slice(start, start + limit), total: log.length };
    },
  };
  return { api, polls: () => polls };
}

const fast = { initialIntervalMs: 1, maxIntervalMs: 2 };

describe('waitForTask', () => {
  it('polls until stopped and reports progress', async () => {
    const task = fakeTask(3, 'OK');
    const seen: string[] = [];
    const outcome = await waitForTask(task.api, UPID, { ...fast, onProgress: (p) => seen.push(p.status) });
    expect(outcome).toMatchObject({
      upid: UPID,
      node: 'pve',
      type: 'qmclone',
      exitstatus: 'OK',
      warnings: 0,
    });
    expect(seen).toEqual(['running', 'running', 'running', 'stopped']);
  });

  it('treats WARNINGS: n as success', async () => {
    expect((await waitForTask(fakeTask(0, 'WARNINGS: 2').api, UPID, fast)).warnings).toBe(2);
  });

  it('raises a failed task with its exit status and the last log lines', async () => {
    const log = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const error = await waitForTask(fakeTask(1, 'clone failed: got timeout', log).api, UPID, {
      ...fast,
      logLines: 3,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(PveTaskFailedError);
    expect(error.exitStatus).toBe('clone failed: got timeout');
    expect(error.logTail).toEqual(['line 28', 'line 29', 'line 30']);
    expect(error.message).toBe('Proxmox task qmclone 9000 on pve failed: clone failed: got timeout');
  });

  it('tolerates "no such task" right after creation', async () => {
    const task = fakeTask(0, 'OK', [], 2);
    await expect(waitForTask(task.api, UPID, fast)).resolves.toMatchObject({ exitstatus: 'OK' });
    expect(task.polls()).toBe(3);
  });

  it('gives up at the deadline with PVE_TASK_TIMEOUT', async () => {
    const error = await waitForTask(fakeTask(10_000, 'OK').api, UPID, { ...fast, timeoutMs: 30 }).catch(
      (e) => e,
    );
    expect(error.code).toBe('PVE_TASK_TIMEOUT');
  });
});
