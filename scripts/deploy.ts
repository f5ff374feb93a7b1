#!/usr/bin/env tsx
/**
 * The deploy stage (what `nx run tf-env-<env>:plan|apply|destroy` runs): OpenTofu on the environment's root
 * module, terraform/environments/<env>, with the real bpg provider. It shows the plan and asks before it
 * changes anything (`--yes` for automation). The token and the state passphrase come from the environment's
 * SOPS file and reach tofu only through its environment. Logic: libs/deploy.
 */
import { createInterface } from 'node:readline/promises';
import {
  defineCommand,
  defineGroup,
  InfraError,
  jsonOption,
  log,
  option,
  printResult,
  runScript,
} from '@infra/core';
import type { DeployAction, DeployResult } from '@infra/deploy';
import type { ScriptsErrorCode } from './support/error-codes';

const common = {
  env: option.string('environment (infra.config.yaml)', { short: 'e', default: 'local' }),
  yes: option.flag('apply without asking (automation)', { short: 'y' }),
  'lock-timeout': option.string('wait this long for a state lock another run holds, e.g. 60s', {
    value: 'duration',
  }),
  json: jsonOption,
};

/** Asks on a terminal; elsewhere only --yes applies (a pipe cannot answer). */
async function confirm(summary: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new InfraError<ScriptsErrorCode>(
      'DEPLOY_CONFIRMATION_NEEDED',
      `${summary}: not applied, nobody can confirm on this terminal`,
      {
        hint: 'review the plan above and rerun with --yes',
      },
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${summary}. Apply? [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

function stage(action: DeployAction, description: string) {
  return defineCommand({
    description,
    options: common,
    examples: [`deploy.ts ${action} -e local${action === 'plan' ? '' : ' --yes'}`],
    run: async ({ args, signal }) => {
      const [{ loadEnvironment }, { deployEnvironment, talosTemplate }] = await Promise.all([
        import('@infra/config'),
        import('@infra/deploy'),
      ]);
      const environment = await loadEnvironment(args.env);
      const talos = await talosTemplate(environment);
      const result: DeployResult = await deployEnvironment({
        environment,
        action,
        templates: { talos: talos.wanted },
        yes: args.yes,
        confirm,
        ...(args['lock-timeout'] ? { lockTimeout: args['lock-timeout'] } : {}),
        logger: log,
        signal,
      });
      const { outputs: _secretish, ...shown } = result;
      printResult(shown, args.json, () =>
        result.changed ? `${action}: ${result.applied ? 'applied' : 'not applied'}` : `${action}: no changes`,
      );
    },
  });
}

export const command = defineGroup({
  description: 'OpenTofu deploy of an environment: plan, apply, destroy',
  subcommands: {
    plan: stage('plan', 'show what would change (tofu plan), change nothing'),
    apply: stage('apply', 'show the plan, ask, apply it'),
    destroy: stage('destroy', 'show what would be destroyed, ask, destroy it'),
  },
});

await runScript(import.meta.url, command);
