#!/usr/bin/env tsx
/**
 * pnpm tsx scripts/validate.ts <kind> <projectRoot> [--json] [--env <name>] [--fix]
 *
 * Runs every real validator for one project and prints one line per finding
 * (`file:line:col  severity  rule  message  (tool)`) or, with --json, the whole report. Exits 1 on any error
 * finding. The Nx `validate` targets run exactly this from the workspace root.
 *   kinds: packer | terraform | ansible-role | ansible-playbooks | talos | secrets
 *   --env  infra.config.yaml environment whose values Packer/Talos checks use (default: local)
 *   --fix  rewrite generated sections (the terraform-docs part of a module README) instead of failing on them
 */
import { parseArgs } from 'node:util';
import { InfraError, log, printResult, runMain } from '@infra/core';
import { formatReport, VALIDATION_KINDS, validateProject } from '@infra/validators';
import { z } from 'zod';

const USAGE = `usage: validate.ts <${VALIDATION_KINDS.join('|')}> <projectRoot> [--json] [--env <name>] [--fix]`;

const argsSchema = z.object({
  kind: z.enum(VALIDATION_KINDS),
  projectRoot: z.string().min(1),
  json: z.boolean().default(false),
  env: z.string().min(1).default('local'),
  fix: z.boolean().default(false),
});

await runMain(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean' }, env: { type: 'string', short: 'e' }, fix: { type: 'boolean' } },
  });
  const parsed = argsSchema.safeParse({ kind: positionals[0], projectRoot: positionals[1], ...values });
  if (!parsed.success || positionals.length > 2) throw new InfraError('USAGE', USAGE);
  const args = parsed.data;

  if (!args.json) log.step(`validate ${args.kind} ${args.projectRoot}`);
  const report = await validateProject(args.kind, args.projectRoot, {
    repoRoot: process.cwd(),
    environment: args.env,
    fix: args.fix,
  });
  printResult(report, args.json, () => formatReport(report));
  return report.ok ? 0 : 1;
});
