import { isInfraError } from '@infra/core';
import { describe, expect, it } from 'vitest';
import type { WorkflowErrorCode } from './errors';
import { checkWorkflow, planRun, type WorkflowDeclaration } from './graph';
import type { WorkflowState } from './state';

const W: WorkflowDeclaration = {
  name: 'w',
  steps: [
    { id: 'a', description: 'A', needs: [] },
    { id: 'b', description: 'B', needs: ['a'] },
    { id: 'c', description: 'C', needs: ['b'] },
  ],
};
const fp = { a: 'fa', b: 'fb', c: 'fc' };
const rec = (status: 'succeeded' | 'failed' | 'running', fingerprint: string) => ({
  status,
  fingerprint,
  startedAt: '2026-12-03T10:00:00Z',
  finishedAt: '2026-12-03T10:01:00Z',
});
const state = (steps: WorkflowState['steps']): WorkflowState => ({
  version: 1,
  workflow: 'w',
  environment: 'local',
  updatedAt: '2026-12-03T10:01:00Z',
  steps,
});
const actions = (plan: ReturnType<typeof planRun>) => plan.map((p) => `${p.id}:${p.action}`);

describe('planRun (pure)', () => {
  it('runs every step of a workflow that never ran', () => {
    expect(actions(planRun(W, undefined, fp))).toEqual(['a:run', 'b:run', 'c:run']);
  });

  it('checks every step after a complete run with the same inputs', () => {
    const s = state({ a: rec('succeeded', 'fa'), b: rec('succeeded', 'fb'), c: rec('succeeded', 'fc') });
    expect(actions(planRun(W, s, fp))).toEqual(['a:check', 'b:check', 'c:check']);
  });

  it('resumes at the failed step: the ones before it are skipped without a check', () => {
    const s = state({ a: rec('succeeded', 'fa'), b: rec('failed', 'fb') });
    const plan = planRun(W, s, fp);
    expect(actions(plan)).toEqual(['a:resume', 'b:run', 'c:run']);
    expect(plan[0]!.reason).toMatch(/resuming at b/);
  });

  it('treats a step a killed run left running as failed', () => {
    const s = state({ a: rec('succeeded', 'fa'), b: rec('succeeded', 'fb'), c: rec('running', 'fc') });
    expect(actions(planRun(W, s, fp))).toEqual(['a:resume', 'b:resume', 'c:run']);
  });

  it('resumes earlier when a step before the failure has new inputs', () => {
    const s = state({ a: rec('succeeded', 'fa'), b: rec('succeeded', 'old'), c: rec('failed', 'fc') });
    expect(actions(planRun(W, s, fp))).toEqual(['a:resume', 'b:run', 'c:run']);
  });

  it('runs a step whose inputs changed', () => {
    const s = state({ a: rec('succeeded', 'fa'), b: rec('succeeded', 'fb'), c: rec('succeeded', 'fc') });
    expect(actions(planRun(W, s, { ...fp, b: 'new' }))).toEqual(['a:check', 'b:run', 'c:check']);
  });

  it('--from runs that step and checks the later ones; --only runs exactly those', () => {
    const s = state({ a: rec('succeeded', 'fa'), b: rec('failed', 'fb') });
    expect(actions(planRun(W, s, fp, { from: 'b' }))).toEqual(['a:excluded', 'b:run', 'c:run']);
    expect(actions(planRun(W, s, fp, { only: ['c'] }))).toEqual(['a:excluded', 'b:excluded', 'c:run']);
  });

  it('refuses unknown steps, --from with --only, and bad declarations', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return isInfraError<WorkflowErrorCode>(error) ? `${error.code}: ${error.message}` : 'other';
      }
      return 'none';
    };
    expect(code(() => planRun(W, undefined, fp, { from: 'x' }))).toBe(
      'WORKFLOW_UNKNOWN_STEP: --from x: workflow w has no step "x"',
    );
    expect(code(() => planRun(W, undefined, fp, { only: ['a', 'y'] }))).toMatch(
      /^WORKFLOW_UNKNOWN_STEP: --only y/,
    );
    expect(code(() => planRun(W, undefined, fp, { from: 'a', only: ['b'] }))).toMatch(/^WORKFLOW_OPTIONS/);
    expect(
      code(() => checkWorkflow({ name: 'v', steps: [{ id: 'a', description: '', needs: ['b'] }] })),
    ).toMatch(/^WORKFLOW_INVALID: .*needs "b", which is not declared before it/);
    expect(
      code(() =>
        checkWorkflow({
          name: 'v',
          steps: [
            { id: 'a', description: '', needs: [] },
            { id: 'a', description: '', needs: [] },
          ],
        }),
      ),
    ).toMatch(/declared twice/);
  });
});
