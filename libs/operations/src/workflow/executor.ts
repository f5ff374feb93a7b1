import { createHash } from 'node:crypto';
import { InfraError, isInfraError, type Logger, redact } from '@infra/core';
import type { WorkflowErrorCode } from './errors';
import { type PlannedStep, type PlanOptions, planRun, type WorkflowDeclaration } from './graph';
import { readWorkflowState, type StepRecord, type WorkflowState, writeWorkflowState } from './state';

/** What a step's up-to-date check found: nothing to do (with what it saw), or a reason to run. */
export type FreshnessVerdict =
  | { upToDate: true; result?: Record<string, unknown> }
  | { upToDate: false; reason: string };

/** How one declared step is carried out, against a context `C` the workflow shares between its steps. */
export interface StepImplementation<C> {
  /** Everything that defines the step's outcome, cheap and offline; hashed into the recorded fingerprint. */
  inputs(context: C): Promise<unknown> | unknown;
  /** Its own up-to-date check, asked when it succeeded before with the same inputs. */
  check(context: C): Promise<FreshnessVerdict>;
  /** Does the work; the summary it returns is recorded (never a secret). */
  run(context: C): Promise<Record<string, unknown>>;
}

export interface WorkflowDefinition<C> {
  declaration: WorkflowDeclaration;
  steps: Readonly<Record<string, StepImplementation<C>>>;
}

export type StepOutcome =
  | 'resumed'
  | 'up-to-date'
  | 'ran'
  | 'excluded'
  | 'failed'
  | 'not reached'
  | 'planned';

export interface StepReport {
  id: string;
  description: string;
  action: PlannedStep['action'];
  reason: string;
  outcome: StepOutcome;
  ms?: number;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

export interface WorkflowReport {
  workflow: string;
  environment: string;
  dryRun: boolean;
  statePath: string;
  steps: StepReport[];
}

export interface RunWorkflowOptions extends PlanOptions {
  environment: string;
  statePath: string;
  dryRun?: boolean;
  logger?: Logger;
  signal?: AbortSignal;
}

/** JSON with sorted keys, so the same inputs always hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

export const fingerprintOf = (inputs: unknown) =>
  createHash('sha256').update(canonical(inputs)).digest('hex');

const now = () => new Date().toISOString();

/**
 * Runs a workflow: fingerprints every step's inputs, plans (pure: graph.ts), then for each step in order
 * resumes, checks or runs it, recording each change of state atomically. A failing step is recorded as
 * failed and its error rethrown unchanged; the next run starts again at it.
 */
export async function runWorkflow<C>(
  definition: WorkflowDefinition<C>,
  context: C,
  options: RunWorkflowOptions,
): Promise<WorkflowReport> {
  const { declaration } = definition;
  const log = options.logger;
  const fingerprints: Record<string, string> = {};
  for (const step of declaration.steps) {
    const implementation = definition.steps[step.id];
    if (!implementation)
      throw new InfraError<WorkflowErrorCode>(
        'WORKFLOW_INVALID',
        `workflow ${declaration.name}: step "${step.id}" has no implementation`,
        {
          hint: 'every declared step needs an entry in the workflow definition',
        },
      );
    fingerprints[step.id] = fingerprintOf(await implementation.inputs(context));
  }
  const previous = await readWorkflowState(options.statePath);
  const plan = planRun(declaration, previous, fingerprints, options);
  const report: WorkflowReport = {
    workflow: declaration.name,
    environment: options.environment,
    dryRun: options.dryRun === true,
    statePath: options.statePath,
    steps: plan.map((p) => ({ ...p, outcome: p.action === 'excluded' ? 'excluded' : 'planned' })),
  };
  if (options.dryRun) return report;

  const state: WorkflowState = previous ?? {
    version: 1,
    workflow: declaration.name,
    environment: options.environment,
    updatedAt: now(),
    steps: {},
  };
  // `--only`/`--from` assume what the chosen steps need is done; say so when the record disagrees.
  for (const planned of plan.filter((p) => p.action === 'run' && p.reason.startsWith('named by'))) {
    const needs = declaration.steps.find((s) => s.id === planned.id)?.needs ?? [];
    const missing = needs.filter(
      (need) =>
        plan.find((p) => p.id === need)?.action === 'excluded' && state.steps[need]?.status !== 'succeeded',
    );
    if (missing.length > 0)
      log?.warn(`${planned.id} needs ${missing.join(', ')}, which has not succeeded here: it may fail`);
  }
  const save = async (id: string, record: StepRecord) => {
    state.steps[id] = record;
    state.updatedAt = now();
    await writeWorkflowState(options.statePath, state);
  };

  for (const [index, planned] of plan.entries()) {
    const entry = report.steps[index]!;
    if (planned.action === 'excluded') continue;
    if (planned.action === 'resume') {
      entry.outcome = 'resumed';
      log?.info(`${planned.id}: skipped (${planned.reason})`);
      continue;
    }
    options.signal?.throwIfAborted();
    const implementation = definition.steps[planned.id]!;
    const started = performance.now();
    const startedAt = now();
    const fingerprint = fingerprints[planned.id]!;
    const before = state.steps[planned.id];
    await save(planned.id, { status: 'running', fingerprint, startedAt });
    try {
      if (planned.action === 'check') {
        log?.step(`${planned.id}: checking it is up to date`);
        const verdict = await implementation.check(context);
        if (verdict.upToDate) {
          const result = verdict.result ?? before?.result ?? {};
          await save(planned.id, {
            status: 'succeeded',
            fingerprint,
            startedAt,
            finishedAt: now(),
            outcome: 'up-to-date',
            result,
          });
          Object.assign(entry, {
            outcome: 'up-to-date',
            ms: Math.round(performance.now() - started),
            result,
          });
          log?.success(`${planned.id}: up to date`);
          continue;
        }
        log?.info(`${planned.id}: ${verdict.reason}`);
      }
      log?.step(`${planned.id}: ${planned.description}`);
      const result = await implementation.run(context);
      await save(planned.id, {
        status: 'succeeded',
        fingerprint,
        startedAt,
        finishedAt: now(),
        outcome: 'ran',
        result,
      });
      Object.assign(entry, { outcome: 'ran', ms: Math.round(performance.now() - started), result });
      log?.success(`${planned.id}: done`);
    } catch (error) {
      const failure = {
        code: isInfraError(error) ? error.code : 'UNEXPECTED',
        message: redact(error instanceof Error ? error.message : String(error)),
      };
      await save(planned.id, { status: 'failed', fingerprint, startedAt, finishedAt: now(), error: failure });
      Object.assign(entry, {
        outcome: 'failed',
        ms: Math.round(performance.now() - started),
        error: failure,
      });
      for (const later of report.steps.slice(index + 1))
        if (later.outcome === 'planned') later.outcome = 'not reached';
      log?.warn(`${declaration.name}: failed at ${planned.id}; the next run starts again there`);
      throw error;
    }
  }
  return report;
}

/** The report as lines for a terminal. */
export function formatWorkflowReport(report: WorkflowReport): string {
  const lines = [
    `${report.workflow} (${report.environment})${report.dryRun ? ': dry run, nothing done' : ''}`,
  ];
  const width = Math.max(...report.steps.map((s) => s.id.length));
  for (const step of report.steps) {
    const what = report.dryRun
      ? { resume: 'skip (resume)', check: 'check, run if stale', run: 'run', excluded: 'excluded' }[
          step.action
        ]
      : step.outcome;
    const time = step.ms === undefined ? '' : ` ${(step.ms / 1000).toFixed(1)} s`;
    lines.push(
      `  ${step.id.padEnd(width)}  ${what.padEnd(19)}${time}  ${report.dryRun ? step.reason : step.description}`,
    );
  }
  return lines.join('\n');
}
