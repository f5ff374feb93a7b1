import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError, writeFileAtomic } from '@infra/core';
import { z } from 'zod';
import type { WorkflowErrorCode } from './errors';

/**
 * What a workflow remembers between runs, one JSON file per workflow and environment:
 * `.infra/workflows/<env>/<workflow>.json` (git-ignored with the rest of .infra/). Written atomically after
 * every step change, so a killed run leaves the last complete record (a step still `running`).
 * Results are short summaries (names, counts, paths): never a secret.
 */
const stepRecordSchema = z.object({
  status: z.enum(['running', 'succeeded', 'failed']),
  /** sha256 of the step's inputs when it ran. */
  fingerprint: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** `ran` or `up-to-date` (its check found nothing to do). */
  outcome: z.enum(['ran', 'up-to-date']).optional(),
  result: z.record(z.string(), z.unknown()).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const workflowStateSchema = z.object({
  version: z.literal(1),
  workflow: z.string(),
  environment: z.string(),
  updatedAt: z.string(),
  steps: z.record(z.string(), stepRecordSchema),
});

export type StepRecord = z.infer<typeof stepRecordSchema>;
export type WorkflowState = z.infer<typeof workflowStateSchema>;

export const workflowStatePath = (repoRoot: string, envName: string, workflow: string) =>
  join(repoRoot, '.infra', 'workflows', envName, `${workflow}.json`);

/** The recorded state, `undefined` when the workflow never ran; a corrupt file is one clear error. */
export async function readWorkflowState(path: string): Promise<WorkflowState | undefined> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = workflowStateSchema.safeParse(json);
  if (!parsed.success)
    throw new InfraError<WorkflowErrorCode>(
      'WORKFLOW_STATE_INVALID',
      `${path}: not a workflow state file (expected JSON with version 1, workflow, environment, steps)`,
      { hint: `remove it to start the workflow from the beginning: rm ${path}` },
    );
  return parsed.data;
}

export async function writeWorkflowState(path: string, state: WorkflowState): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
