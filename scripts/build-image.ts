#!/usr/bin/env tsx
/**
 * Builds a golden VM template (what `nx run <os>:build-image [-c <env>]` runs).
 *
 *   pnpm tsx scripts/build-image.ts --os talos [-e <env>] [--dry-run] [--json]
 *
 * Idempotent: a template whose fingerprint matches the configuration is left alone (read-only calls only).
 * `--dry-run` prints the Proxmox API calls a build would make. With `endpoint: embedded` / `factory: embedded`
 * (the `local` environment) both simulators run in this process, with state in .infra/sim/.
 */
import { parseArgs } from 'node:util';
import { InfraError, log, printResult, runMain } from '@infra/cli';
import { z } from 'zod';

const USAGE = 'usage: build-image.ts --os talos [-e <env>] [--dry-run] [--json]';
const SUPPORTED = ['talos'] as const;

const argsSchema = z.object({
  os: z.string({ error: 'missing --os' }),
  env: z.string().default('local'),
  'dry-run': z.boolean().default(false),
  json: z.boolean().default(false),
});

await runMain(async () => {
  const { values } = parseArgs({
    options: {
      os: { type: 'string' },
      env: { type: 'string', short: 'e' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success)
    throw new InfraError('USAGE', parsed.error.issues.map((i) => i.message).join('; '), { hint: USAGE });
  const args = parsed.data;
  if (!SUPPORTED.some((os) => os === args.os)) {
    throw new InfraError(
      'BUILD_OS_UNSUPPORTED',
      `this script builds ${SUPPORTED.join(', ')} templates, not "${args.os}"`,
      {
        hint: 'the other images are Packer builds (packer/<os>/)',
      },
    );
  }
  const { loadEnvironment } = await import('@infra/config');
  const { buildTalosTemplate, formatBuildResult } = await import('@infra/template-builder');
  const environment = await loadEnvironment(args.env);
  log.step(`talos:build-image for environment "${environment.name}"${args['dry-run'] ? ' (dry run)' : ''}`);
  const result = await buildTalosTemplate(environment, {
    dryRun: args['dry-run'],
    logger: log,
    onEvent: (event) => {
      if (event.type === 'start') log.step(`[${event.index + 1}/${event.total}] ${event.step.title}`);
      else if (event.type === 'done') log.success(`${event.step.title} (${(event.ms / 1000).toFixed(1)} s)`);
      else if (event.type === 'progress') log.debug(event.message);
      else log.warn(event.message);
    },
  });
  if (!args.json && result.status !== 'dry-run')
    log.success(result.status === 'built' ? 'template built' : 'template is up to date');
  printResult(result, args.json, () => formatBuildResult(result));
});
