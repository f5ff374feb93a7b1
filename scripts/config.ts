#!/usr/bin/env tsx
/**
 * pnpm tsx scripts/config.ts describe <component> [-e <env>] [--json]   resolved values + the layer each came from
 * pnpm tsx scripts/config.ts validate                                   checks every environment in infra.config.yaml
 */
import { parseArgs } from 'node:util';
import { InfraError, log, printResult, runMain } from '@infra/core';
import {
  DEFAULT_ENVIRONMENT,
  describeComponent,
  formatDescribed,
  loadResolvedEnvironment,
  validateConfig,
} from '@infra/config';
import { z } from 'zod';

const USAGE = 'usage: config.ts describe <component> [-e <env>] [--json] | config.ts validate [--json]';

const argsSchema = z.object({
  command: z.enum(['describe', 'validate'], { error: USAGE }),
  component: z.string().optional(),
  env: z.string().default(DEFAULT_ENVIRONMENT),
  json: z.boolean().default(false),
});

await runMain(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { env: { type: 'string', short: 'e' }, json: { type: 'boolean' } },
  });
  const parsed = argsSchema.safeParse({ command: positionals[0], component: positionals[1], ...values });
  if (!parsed.success) throw new InfraError('USAGE', USAGE);
  const args = parsed.data;

  if (args.command === 'validate') {
    const names = await validateConfig();
    printResult(
      { valid: true, environments: names },
      args.json,
      () => `infra.config.yaml is valid (environments: ${names.join(', ')})`,
    );
    return;
  }
  if (!args.component)
    throw new InfraError('USAGE', USAGE, {
      hint: 'components: talos, debian, proxmox, templates, gpu, secrets, proxmox-vm',
    });
  const resolved = await loadResolvedEnvironment(args.env);
  const described = describeComponent(resolved, args.component);
  if (!args.json)
    log.step(`${args.component} in environment "${args.env}" (${resolved.environment.configFile})`);
  printResult(described, args.json, () => formatDescribed(described));
});
