import { access } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import type { ChangeCounts } from '@infra/deploy';

/** What a `tofu plan` of the environment's deploy root module says, without any value of its resources. */
export interface PlanSummary {
  rootDir: string;
  state: string;
  changes: ChangeCounts | undefined;
  changed: boolean;
  summary: string;
}

export interface PlanSummaryOptions {
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Where the deploy stage keeps the environment's local state (the default backend of @infra/deploy). */
export const deployStateFile = (environment: Environment) =>
  join(environment.repoRoot, '.infra', 'tofu', environment.name, 'terraform.tfstate');
export const deployRootDir = (environment: Environment) =>
  join(environment.repoRoot, 'terraform', 'environments', environment.name);

export async function hasDeployState(environment: Environment): Promise<boolean> {
  return (await exists(deployRootDir(environment))) && (await exists(deployStateFile(environment)));
}

/**
 * A dry run of the deploy stage: the real `tofu plan` through @infra/deploy (the same call as
 * `scripts/deploy.ts plan`), nothing applied. Only the change counts leave this function.
 */
export async function deployPlanSummary(
  environment: Environment,
  options: PlanSummaryOptions = {},
): Promise<PlanSummary> {
  const { deployEnvironment, formatCounts, talosTemplate } = await import('@infra/deploy');
  const talos = await talosTemplate(environment);
  const result = await deployEnvironment({
    environment,
    action: 'plan',
    templates: { talos: talos.wanted },
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    rootDir: relative(environment.repoRoot, result.rootDir),
    state: result.state.startsWith(environment.repoRoot)
      ? relative(environment.repoRoot, result.state)
      : result.state,
    changes: result.changes,
    changed: result.changed,
    summary: result.changed ? formatCounts(result.changes) : 'no changes',
  };
}
