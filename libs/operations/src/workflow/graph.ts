import { InfraError } from '@infra/core';
import type { WorkflowErrorCode } from './errors';
import type { WorkflowState } from './state';

/**
 * A workflow as data: named steps in the order they run, each naming the steps it needs. Pure: no I/O here,
 * so what a run will do (`--dry-run`) and what it did are decided by the same function.
 */
export interface StepDeclaration {
  readonly id: string;
  /** One line for `--help`, `--dry-run` and progress: what the step does, honestly. */
  readonly description: string;
  /** Steps that must have succeeded (in this run or a recorded one) before this one. */
  readonly needs: readonly string[];
}

export interface WorkflowDeclaration {
  readonly name: string;
  readonly steps: readonly StepDeclaration[];
}

/**
 * What a run does with a step:
 * - `resume`: skipped without a check: it succeeded with these inputs before the step the last run failed at;
 * - `check`: its own up-to-date check runs first, and the step runs only if that says it is stale;
 * - `run`: it runs (it never succeeded with these inputs, or `--from`/`--only` named it);
 * - `excluded`: outside `--from`/`--only`.
 */
export type StepAction = 'resume' | 'check' | 'run' | 'excluded';

export interface PlannedStep {
  readonly id: string;
  readonly description: string;
  readonly action: StepAction;
  readonly reason: string;
}

export interface PlanOptions {
  /** Start at this step; the ones before it are not touched. */
  readonly from?: string | undefined;
  /** Only these steps (their needs are assumed done). */
  readonly only?: readonly string[] | undefined;
}

const fail = (message: string, hint: string) =>
  new InfraError<WorkflowErrorCode>('WORKFLOW_INVALID', message, { hint });

/** Checks a declaration: unique ids, every `needs` names an earlier step (so the order is a valid one). */
export function checkWorkflow(workflow: WorkflowDeclaration): void {
  const seen = new Set<string>();
  for (const step of workflow.steps) {
    if (seen.has(step.id))
      throw fail(
        `workflow ${workflow.name}: step "${step.id}" is declared twice`,
        'give every step its own id',
      );
    for (const need of step.needs)
      if (!seen.has(need))
        throw fail(
          `workflow ${workflow.name}: step "${step.id}" needs "${need}", which is not declared before it`,
          'declare steps in an order where each one comes after the steps it needs',
        );
    seen.add(step.id);
  }
}

/** One error naming the unknown step and the known ones. */
export function checkStepName(workflow: WorkflowDeclaration, id: string, option: string): void {
  if (!workflow.steps.some((s) => s.id === id))
    throw new InfraError<WorkflowErrorCode>(
      'WORKFLOW_UNKNOWN_STEP',
      `${option} ${id}: workflow ${workflow.name} has no step "${id}"`,
      { hint: `expected one of: ${workflow.steps.map((s) => s.id).join(', ')}` },
    );
}

/**
 * Decides each step's action from the recorded state and the inputs fingerprint each step has now.
 * Resume: when the last run failed (or was killed) at step F, the steps before F that succeeded with the
 * same inputs are skipped (`resume`) and the run starts at F; if any of them has new inputs, it starts at the
 * first of those instead. Without a failure every step gets its up-to-date check (`check`), except steps that
 * never succeeded with these inputs (`run`).
 */
export function planRun(
  workflow: WorkflowDeclaration,
  state: WorkflowState | undefined,
  fingerprints: Readonly<Record<string, string>>,
  options: PlanOptions = {},
): PlannedStep[] {
  checkWorkflow(workflow);
  if (options.from !== undefined) checkStepName(workflow, options.from, '--from');
  for (const id of options.only ?? []) checkStepName(workflow, id, '--only');
  if (options.from !== undefined && options.only && options.only.length > 0)
    throw new InfraError<WorkflowErrorCode>('WORKFLOW_OPTIONS', '--from and --only cannot be combined', {
      hint: 'use --from <step> to run from a step on, or --only <step> (repeatable) for exactly those steps',
    });

  const ids = workflow.steps.map((s) => s.id);
  const recorded = (id: string) => state?.steps[id];
  const succeededWithSameInputs = (id: string) =>
    recorded(id)?.status === 'succeeded' && recorded(id)?.fingerprint === fingerprints[id];

  // Where the last run stopped: a recorded failure, or a step left `running` by a killed run.
  const interrupted = ids.find((id) => ['failed', 'running'].includes(recorded(id)?.status ?? ''));
  let resumeAt = -1;
  if (interrupted && options.from === undefined && !options.only?.length) {
    const at = ids.indexOf(interrupted);
    const changed = ids.slice(0, at).findIndex((id) => !succeededWithSameInputs(id));
    resumeAt = changed === -1 ? at : changed;
  }
  const fromAt = options.from === undefined ? -1 : ids.indexOf(options.from);

  return workflow.steps.map((step, index): PlannedStep => {
    const base = { id: step.id, description: step.description };
    if (options.only?.length) {
      return options.only.includes(step.id)
        ? { ...base, action: 'run', reason: 'named by --only' }
        : { ...base, action: 'excluded', reason: 'not named by --only' };
    }
    if (fromAt >= 0) {
      if (index < fromAt) return { ...base, action: 'excluded', reason: `before --from ${options.from}` };
      if (index === fromAt) return { ...base, action: 'run', reason: 'named by --from' };
    }
    if (resumeAt >= 0 && index < resumeAt)
      return {
        ...base,
        action: 'resume',
        reason: `succeeded ${recorded(step.id)?.finishedAt ?? ''} with the same inputs; resuming at ${ids[resumeAt]}`,
      };
    if (!recorded(step.id)) return { ...base, action: 'run', reason: 'never ran' };
    if (recorded(step.id)?.fingerprint !== fingerprints[step.id])
      return { ...base, action: 'run', reason: 'its inputs changed since it last ran' };
    if (recorded(step.id)?.status !== 'succeeded')
      return { ...base, action: 'run', reason: `the last run ${recorded(step.id)?.status} here` };
    return {
      ...base,
      action: 'check',
      reason: 'succeeded before with the same inputs: check it is up to date',
    };
  });
}
