#!/usr/bin/env -S pnpm tsx
/**
 * The pinned IaC toolchain (versions in mise.toml; logic in libs/toolchain).
 *   install [tool...] [--force] [--jobs N] [--json]   obtain what is missing; idempotent; prints a summary
 *   doctor [--json]                                    each tool: pinned vs found, path, how obtained
 *   env [--shell]                                      the environment the tools expect (JSON or export lines)
 */
import { parseArgs } from 'node:util';
import { InfraError, log, printResult, runMain } from '@infra/core';
import {
  doctor,
  findRepoRoot,
  installToolchain,
  renderDoctorTable,
  renderInstallTable,
  renderShellExports,
  toolchainEnv,
} from '@infra/toolchain';
import { z } from 'zod';

const USAGE =
  'usage: toolchain.ts install [tool...] [--force] [--jobs N] [--json] | doctor [--json] | env [--shell]';

const flagsSchema = z.object({
  json: z.boolean().default(false),
  shell: z.boolean().default(false),
  force: z.boolean().default(false),
  jobs: z.coerce.number().int().min(1).max(16).optional(),
});

await runMain(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      shell: { type: 'boolean' },
      force: { type: 'boolean' },
      jobs: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) {
    throw new InfraError('TOOLCHAIN_BAD_ARGUMENTS', `invalid option: ${parsed.error.issues[0]?.message}`, {
      hint: USAGE,
    });
  }
  const flags = parsed.data;
  const root = findRepoRoot();

  switch (command) {
    case 'install': {
      const jobs =
        flags.jobs ??
        (process.env.INFRA_TOOLCHAIN_JOBS ? Number(process.env.INFRA_TOOLCHAIN_JOBS) : undefined);
      const result = await installToolchain({
        root,
        tools: rest,
        force: flags.force,
        ...(jobs ? { jobs } : {}),
      });
      for (const warning of result.warnings) log.warn(warning);
      const failures = result.failures.map((f) => ({ code: f.code, message: f.message, hint: f.hint }));
      printResult({ ...result, failures }, flags.json, () => renderInstallTable(result));
      if (result.failures.length > 0) {
        for (const failure of result.failures.slice(1)) log.error(`${failure.message} [${failure.code}]`);
        throw result.failures[0]!;
      }
      return 0;
    }
    case 'doctor': {
      const report = await doctor({ root });
      printResult(report, flags.json, () => renderDoctorTable(report));
      return report.ok ? 0 : 1;
    }
    case 'env': {
      const env = toolchainEnv();
      printResult(env, !flags.shell, () => renderShellExports(env));
      return 0;
    }
    default:
      throw new InfraError('TOOLCHAIN_BAD_ARGUMENTS', `unknown subcommand "${command}"`, { hint: USAGE });
  }
});
