import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import { runWorkflow, type WorkflowReport } from './executor';
import { workflowStatePath } from './state';
import { openUpContext } from './up-context';
import { UP } from './up-steps';

export interface UpOptions {
  from?: string | undefined;
  only?: readonly string[] | undefined;
  dryRun?: boolean;
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * `./infra up [env]`: the `up` workflow (doctor → build-images → deploy → bootstrap → platform) with its state
 * in `.infra/workflows/<env>/up.json`.
 */
export async function runUp(environment: Environment, options: UpOptions = {}): Promise<WorkflowReport> {
  const context = await openUpContext(environment, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    return await runWorkflow(UP, context, {
      environment: environment.name,
      statePath: workflowStatePath(environment.repoRoot, environment.name, 'up'),
      from: options.from,
      only: options.only,
      dryRun: options.dryRun === true,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await context.close();
  }
}
