import { access } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InfraError, type Logger, runProcess } from '@infra/core';
import { defaultCacheDir, toolchainEnv } from '@infra/toolchain';
import { type BaseImageSpec, defaultBaseImageSpec } from './base-image';
import { type BaseImage, ensureBaseImage } from './ensure-image';
import type { MoleculeErrorCode } from './error-codes';
import {
  failedAction,
  failedTasks,
  idempotenceFailures,
  instanceName,
  parseActions,
  type ScenarioInput,
  scenarioArgs,
  scenarioEnv,
  stripAnsi,
} from './scenario';

export interface RunScenarioOptions {
  repoRoot: string;
  /** Absolute path of the role, e.g. <repo>/ansible/roles/baseline. */
  roleDir: string;
  scenario?: string;
  spec?: BaseImageSpec;
  /** Variables on top of the minimal child environment; default: the toolchain's (PATH, CONTAINERS_CONF). */
  env?: Record<string, string>;
  logger?: Logger;
  signal?: AbortSignal;
  /** Where Molecule's output goes line by line (default: our stderr, prefixed). */
  onLine?: (line: string) => void;
  timeoutMs?: number;
}

export interface ScenarioResult {
  role: string;
  baseImage: BaseImage;
  actions: { action: string; outcome: string }[];
  durationMs: number;
}

/**
 * `molecule test` for one role (destroy, create, prepare, converge, idempotence, verify, destroy) on the cached
 * Debian base image. A failed action is a MOLECULE_FAILED error naming the action and the failing tasks (or the
 * tasks that changed on the second run); the scenario's container is removed whatever happens, an interrupt
 * included.
 */
export async function runMoleculeScenario(options: RunScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const role = options.roleDir.split('/').filter(Boolean).at(-1) ?? options.roleDir;
  const scenarioFile = join(options.roleDir, 'molecule', options.scenario ?? 'default', 'molecule.yml');
  if (
    !(await access(scenarioFile).then(
      () => true,
      () => false,
    ))
  ) {
    throw new InfraError<MoleculeErrorCode>(
      'MOLECULE_SCENARIO_MISSING',
      `${relative(options.repoRoot, scenarioFile)} does not exist`,
      {
        hint: 'pass a role folder with a Molecule scenario, e.g. ansible/roles/baseline (ansible/README.md, Molecule)',
      },
    );
  }
  const spec = options.spec ?? defaultBaseImageSpec();
  const base = options.env ?? toolchainEnv();
  const signal = options.signal ? { signal: options.signal } : {};
  const image = await ensureBaseImage({
    spec,
    env: base,
    workDir: join(defaultCacheDir(), 'molecule'),
    ...(options.logger ? { logger: options.logger } : {}),
    ...signal,
  });
  if (image.built) {
    options.logger?.info(
      `built the Molecule base image ${image.tag} in ${Math.round(image.durationMs / 1000)} s`,
    );
  }
  const input: ScenarioInput = {
    repoRoot: options.repoRoot,
    roleDir: options.roleDir,
    scenario: options.scenario ?? 'default',
    baseImageTag: image.tag,
  };
  const env = { ...base, ...scenarioEnv(input) };
  options.logger?.step(`molecule test ${role} (${input.scenario}) on ${image.tag}`);
  try {
    const run = await runProcess('molecule', scenarioArgs(input), {
      cwd: options.roleDir,
      env,
      output: 'stream',
      ...(options.onLine ? { onLine: (line: string) => options.onLine?.(line) } : {}),
      timeoutMs: options.timeoutMs ?? 30 * 60_000,
      ...signal,
    });
    // Molecule logs to stderr, Ansible prints to stdout; each is parsed on its own terms.
    const output = stripAnsi(`${run.stdout}\n${run.stderr}`);
    const actions = parseActions(output).map(({ action, outcome }) => ({ action, outcome }));
    if (run.exitCode !== 0) throw scenarioFailed(role, options.roleDir, run.exitCode, output, actions);
    return { role, baseImage: image, actions, durationMs: Date.now() - started };
  } finally {
    // Not with the (maybe aborted) signal: this cleanup has to run after an interrupt too.
    await runProcess('podman', ['rm', '--force', '--ignore', instanceName(options.roleDir)], {
      cwd: options.roleDir,
      env,
      timeoutMs: 120_000,
    }).catch(() => undefined);
  }
}

function scenarioFailed(
  role: string,
  roleDir: string,
  exitCode: number,
  output: string,
  actions: ScenarioResult['actions'],
): InfraError {
  const action = failedAction(output)?.action ?? 'test';
  const changed = idempotenceFailures(output);
  const tasks = failedTasks(output);
  // Molecule's own last ERROR line, for failures before any task ran (a missing driver, a bad config).
  const lastError = output
    .split('\n')
    .map((line) => /^\s*(?:ERROR|CRITICAL)\s+(.+)$/.exec(line)?.[1]?.trim())
    .filter((line): line is string => Boolean(line))
    .at(-1);
  const what =
    action === 'idempotence' && changed.length > 0
      ? ` (not idempotent: ${changed.map((t) => `"${t}"`).join(', ')} changed on the second run)`
      : tasks.length > 0
        ? ` at ${tasks.map((t) => `"${t}"`).join(', ')}`
        : lastError
          ? `: ${lastError}`
          : '';
  return new InfraError<MoleculeErrorCode>('MOLECULE_FAILED', `${role}: molecule ${action} failed${what}`, {
    hint: `Molecule's output is above; \`cd ${roleDir} && molecule converge\` keeps the container to look inside`,
    details: { role, exitCode, actions },
  });
}
