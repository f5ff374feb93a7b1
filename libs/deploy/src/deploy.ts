import { join } from 'node:path';
import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import type { ConnectOptions } from '@infra/proxmox-connect';
import { openTofuSession } from './session';
import type { WantedTemplate } from './templates';
import { type ChangeCounts, formatCounts, hasChanges } from './tofu-events';

export type DeployAction = 'plan' | 'apply' | 'destroy';

/**
 * One deploy-stage run for an environment: what `scripts/deploy.ts` and `./infra up` call. `rootDir`
 * defaults to `terraform/environments/<env>`; `templates` names the golden templates the root module clones
 * (looked up by fingerprint tag, handed over as `var.templates`); `variables` and `secretVariables` become
 * `TF_VAR_*` (the secret ones registered with the redactor by the caller, e.g. from SOPS).
 */
export interface DeployRequest {
  environment: Environment;
  action: DeployAction;
  rootDir?: string;
  /**
   * A second root module of the same environment (e.g. `cluster` for terraform/clusters/talos) keeps its own
   * state and data dir: `.infra/tofu/<env>/<stateName>/` instead of `.infra/tofu/<env>/`.
   */
  stateName?: string;
  templates?: Readonly<Record<string, WantedTemplate>>;
  variables?: Readonly<Record<string, unknown>>;
  secretVariables?: Readonly<Record<string, string>>;
  /** Apply/destroy without asking (automation); otherwise `confirm` decides. */
  yes?: boolean;
  /** Asked after the plan is shown when there are changes; without it (and without `yes`) nothing is applied. */
  confirm?: (summary: string) => Promise<boolean>;
  /** How long to wait for a state lock another run holds (tofu's `-lock-timeout`, e.g. `60s`); default 0s. */
  lockTimeout?: string;
  logger?: Logger;
  signal?: AbortSignal;
  /** Where SOPS keys and the simulator testing hooks are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Passed to connectProxmox, e.g. `embedded` hooks of companion simulators (the Talos simulator). */
  connect?: Omit<ConnectOptions, 'env' | 'logger'>;
}

export interface DeployResult {
  action: DeployAction;
  rootDir: string;
  /** What the plan said (for apply/destroy: before it was applied). */
  changes: ChangeCounts | undefined;
  changed: boolean;
  applied: boolean;
  /** `tofu output -json` after a successful apply (sensitive values included: do not print them). */
  outputs: Record<string, { value: unknown; sensitive: boolean }>;
  /** Where the state lives (file path or backend description). */
  state: string;
}

export async function deployEnvironment(request: DeployRequest): Promise<DeployResult> {
  const { environment, action, logger } = request;
  const session = await openTofuSession(request);
  try {
    const { run, fail, backend } = session;
    const planFile = join(session.scratch, 'tfplan');
    const lockTimeout = `-lock-timeout=${request.lockTimeout ?? '0s'}`;
    logger?.step(`tofu plan${action === 'destroy' ? ' -destroy' : ''}`);
    const plan = await run([
      'plan',
      '-input=false',
      '-json',
      '-detailed-exitcode',
      lockTimeout,
      `-out=${planFile}`,
      ...(action === 'destroy' ? ['-destroy'] : []),
    ]);
    if (plan.exitCode === 1) fail(plan, 'plan');
    const changes = plan.report.changes;
    const changed = plan.exitCode === 2 || hasChanges(changes);
    const result: DeployResult = {
      action,
      rootDir: session.rootDir,
      changes,
      changed,
      applied: false,
      outputs: {},
      state: backend.describe,
    };
    // An apply hands its caller the root module's outputs whether or not it changed anything: a no-op apply
    // (the second `./infra up`) still needs the kubeconfig. Reading them is local: no request to the host.
    const readOutputs = async () => {
      const outputs = await run(['output', '-json']);
      if (outputs.exitCode === 0 && outputs.stdout.trim()) result.outputs = JSON.parse(outputs.stdout);
    };
    if (!changed) {
      if (action === 'apply') await readOutputs();
      logger?.success(`${environment.name}: no changes (${session.rootLabel})`);
      return result;
    }
    const shown = await run(['show', '-no-color', planFile]);
    if (shown.exitCode !== 0) fail(shown, 'show');
    if (shown.stdout.trim()) logger?.info(shown.stdout);
    logger?.info(`plan: ${formatCounts(changes)}`);
    if (action === 'plan') return result;

    const summary = `${action} ${environment.name}: ${formatCounts(changes)}`;
    const approved = request.yes === true || (request.confirm ? await request.confirm(summary) : false);
    if (!approved) {
      logger?.warn(`${summary}: not applied (pass --yes to apply without asking)`);
      return result;
    }
    logger?.step(`tofu apply (${formatCounts(changes)})`);
    const applied = await run(['apply', '-input=false', '-json', lockTimeout, planFile]);
    if (applied.exitCode !== 0) fail(applied, 'apply');
    result.applied = true;
    if (action === 'apply') await readOutputs();
    logger?.success(`${environment.name}: ${action} done (${formatCounts(changes)})`);
    return result;
  } finally {
    await session.close();
  }
}
