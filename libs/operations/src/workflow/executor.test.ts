import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraError, isInfraError } from '@infra/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintOf, runWorkflow, type WorkflowDefinition } from './executor';
import { readWorkflowState } from './state';

/**
 * The executor against a real state file: the steps here are the test's own (a counter per step and a switch
 * that makes one fail), since what is under test is the order, the records and resume, not a stage.
 */
interface Ctx {
  calls: string[];
  failAt?: string;
  stale: Set<string>;
  input: Record<string, string>;
}

const step = (id: string) => ({
  inputs: (c: Ctx) => ({ id, value: c.input[id] ?? 'v1' }),
  check: async (c: Ctx) => {
    c.calls.push(`check ${id}`);
    return c.stale.has(id) ? { upToDate: false as const, reason: 'stale' } : { upToDate: true as const };
  },
  run: async (c: Ctx) => {
    c.calls.push(`run ${id}`);
    if (c.failAt === id) throw new InfraError('TEST_FAILED', `${id} failed`);
    return { id };
  },
});

const W: WorkflowDefinition<Ctx> = {
  declaration: {
    name: 'w',
    steps: [
      { id: 'a', description: 'A', needs: [] },
      { id: 'b', description: 'B', needs: ['a'] },
      { id: 'c', description: 'C', needs: ['b'] },
    ],
  },
  steps: { a: step('a'), b: step('b'), c: step('c') },
};

let dir: string;
let statePath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'workflow-'));
  statePath = join(dir, '.infra', 'workflows', 'local', 'w.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const ctx = (over: Partial<Ctx> = {}): Ctx => ({ calls: [], stale: new Set(), input: {}, ...over });
const run = (c: Ctx, extra: { from?: string; only?: string[]; dryRun?: boolean } = {}) =>
  runWorkflow(W, c, { environment: 'local', statePath, ...extra });

describe('runWorkflow', () => {
  it('fails at a step, records it, resumes there; a second full run only checks', async () => {
    const first = ctx({ failAt: 'b' });
    const error = await run(first).catch((e: unknown) => e);
    expect(isInfraError(error, 'TEST_FAILED')).toBe(true);
    expect(first.calls).toEqual(['run a', 'run b']);
    const recorded = await readWorkflowState(statePath);
    expect(recorded?.steps.a).toMatchObject({ status: 'succeeded', outcome: 'ran', result: { id: 'a' } });
    expect(recorded?.steps.b).toMatchObject({
      status: 'failed',
      error: { code: 'TEST_FAILED', message: 'b failed' },
    });
    expect(recorded?.steps.c).toBeUndefined();
    expect((await stat(statePath)).mode & 0o777).toBe(0o600);

    const resumed = ctx();
    const report = await run(resumed);
    expect(resumed.calls).toEqual(['run b', 'run c']);
    expect(report.steps.map((s) => s.outcome)).toEqual(['resumed', 'ran', 'ran']);

    const again = ctx();
    const warm = await run(again);
    expect(again.calls).toEqual(['check a', 'check b', 'check c']);
    expect(warm.steps.map((s) => s.outcome)).toEqual(['up-to-date', 'up-to-date', 'up-to-date']);
  });

  it('runs a stale step and a step whose inputs changed; --from and --only; dry run changes nothing', async () => {
    await run(ctx());
    const stale = ctx({ stale: new Set(['b']), input: { c: 'v2' } });
    const report = await run(stale);
    expect(stale.calls).toEqual(['check a', 'check b', 'run b', 'run c']);
    expect(report.steps.map((s) => s.outcome)).toEqual(['up-to-date', 'ran', 'ran']);
    expect((await readWorkflowState(statePath))?.steps.c?.fingerprint).toBe(
      fingerprintOf({ id: 'c', value: 'v2' }),
    );

    const from = ctx({ input: { c: 'v2' } });
    await run(from, { from: 'b' });
    expect(from.calls).toEqual(['run b', 'check c']);
    const only = ctx({ input: { c: 'v2' } });
    await run(only, { only: ['a'] });
    expect(only.calls).toEqual(['run a']);

    const before = await readFile(statePath, 'utf8');
    const dry = ctx({ input: { a: 'v9', c: 'v2' } });
    const plan = await run(dry, { dryRun: true });
    expect(dry.calls).toEqual([]);
    expect(plan.steps.map((s) => `${s.id}:${s.action}`)).toEqual(['a:run', 'b:check', 'c:check']);
    expect(await readFile(statePath, 'utf8')).toBe(before);
  });

  it('an interrupt during a step records it as failed; the next run starts again there', async () => {
    const controller = new AbortController();
    const c = ctx();
    const interrupted: WorkflowDefinition<Ctx> = {
      ...W,
      steps: {
        ...W.steps,
        b: {
          ...step('b'),
          run: async () => {
            controller.abort(new InfraError('INTERRUPTED', 'interrupted (SIGINT)'));
            controller.signal.throwIfAborted();
            return {};
          },
        },
      },
    };
    const error = await runWorkflow(interrupted, c, {
      environment: 'local',
      statePath,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(isInfraError(error, 'INTERRUPTED')).toBe(true);
    expect((await readWorkflowState(statePath))?.steps.b).toMatchObject({
      status: 'failed',
      error: { code: 'INTERRUPTED' },
    });
    const next = ctx();
    await run(next);
    expect(next.calls).toEqual(['run b', 'run c']);
  });

  it('a corrupt state file is one clear error naming it and the fix', async () => {
    await run(ctx());
    await writeFile(statePath, '{"version":7}');
    const error = await run(ctx()).catch((e: unknown) => e);
    expect(isInfraError(error, 'WORKFLOW_STATE_INVALID')).toBe(true);
    expect((error as InfraError).message).toContain(statePath);
    expect((error as InfraError).hint).toBe(
      `remove it to start the workflow from the beginning: rm ${statePath}`,
    );
  });

  it('hashes inputs independent of key order', () => {
    expect(fingerprintOf({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(
      fingerprintOf({ b: [1, { d: 3, c: 2 }], a: 1 }),
    );
    expect(fingerprintOf({ a: 1 })).not.toBe(fingerprintOf({ a: 2 }));
  });
});
