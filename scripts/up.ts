#!/usr/bin/env tsx
/**
 * The `up` workflow (`./infra up [env]`): doctor → build-images → deploy → bootstrap → platform, one declared
 * chain with resume. Each step records its inputs fingerprint and result in .infra/workflows/<env>/up.json;
 * after a failure the next run starts again at the failed step, and a step that succeeded before with the same
 * inputs runs only if its own up-to-date check finds it stale. Logic: libs/operations/src/workflow.
 */
import { relative } from 'node:path';
import {
  defineCommand,
  jsonOption,
  option,
  positional,
  printResult,
  runScript,
  UsageError,
} from '@infra/core';
import { z } from 'zod';

// The step names, for help, validation and completion, without loading the workflow's libraries.
const STEPS = ['doctor', 'build-images', 'deploy', 'bootstrap', 'platform'] as const;

export const command = defineCommand({
  description: 'the up workflow: doctor, build images, deploy, bootstrap, platform (resumes after a failure)',
  positionals: {
    environment: positional.optional('env', 'environment (infra.config.yaml); default local'),
  },
  options: {
    env: option.string('environment (same as the positional)', { short: 'e' }),
    from: option.oneOf(STEPS, 'start at this step (it runs; the steps before it are not touched)'),
    only: option.list('run only this step (repeatable); the steps it needs are assumed done', {
      item: z.enum(STEPS),
      value: 'step',
    }),
    'dry-run': option.flag('show what each step would do (resume, check, run) and change nothing'),
    json: jsonOption,
  },
  examples: ['up.ts', 'up.ts prod --dry-run', 'up.ts local --from deploy', 'up.ts -e local --only platform'],
  run: async ({ args, log, signal }) => {
    if (args.environment && args.env && args.environment !== args.env)
      throw new UsageError(
        `two environments: ${args.environment} and -e ${args.env}; give one`,
        'usage: up.ts [env] [--from <step>] [--only <step>]... [--dry-run] [--json]',
        'up.ts --help',
      );
    const name = args.environment ?? args.env ?? 'local';
    const [{ loadEnvironment }, { runUp, formatWorkflowReport }] = await Promise.all([
      import('@infra/config'),
      import('@infra/operations'),
    ]);
    const environment = await loadEnvironment(name);
    const report = await runUp(environment, {
      from: args.from,
      only: args.only,
      dryRun: args['dry-run'],
      logger: log,
      signal,
    });
    const deployed = report.steps.find((s) => s.id === 'deploy')?.result as { next?: string[] } | undefined;
    printResult({ ...report, statePath: relative(process.cwd(), report.statePath) }, args.json, () =>
      [
        formatWorkflowReport(report),
        `state: ${relative(process.cwd(), report.statePath)}`,
        ...(deployed?.next?.length ? ['next:', ...deployed.next.map((l) => `  ${l}`)] : []),
      ].join('\n'),
    );
  },
});

await runScript(import.meta.url, command);
