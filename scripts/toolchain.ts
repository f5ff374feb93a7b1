#!/usr/bin/env tsx
/** The pinned IaC toolchain (versions in mise.toml; logic in libs/toolchain). */
import {
  defineCommand,
  defineGroup,
  jsonOption,
  log,
  option,
  positional,
  printResult,
  runScript,
} from '@infra/core';
import {
  doctor,
  findRepoRoot,
  installToolchain,
  renderDoctorTable,
  renderInstallTable,
  renderShellExports,
  toolchainEnv,
} from '@infra/toolchain';

const install = defineCommand({
  description: 'obtain every pinned tool that is missing (idempotent); prints a summary',
  positionals: { tools: positional.rest('tool', 'only these tools (default: all)') },
  options: {
    force: option.flag('rebuild even when the pinned version is present'),
    jobs: option.integer('parallel builds (default: $INFRA_TOOLCHAIN_JOBS, else by CPU count)', {
      min: 1,
      max: 16,
    }),
    json: jsonOption,
  },
  run: async ({ args }) => {
    const jobs =
      args.jobs ?? (process.env.INFRA_TOOLCHAIN_JOBS ? Number(process.env.INFRA_TOOLCHAIN_JOBS) : undefined);
    const result = await installToolchain({
      root: findRepoRoot(),
      tools: args.tools,
      force: args.force,
      ...(jobs ? { jobs } : {}),
    });
    for (const warning of result.warnings) log.warn(warning);
    const failures = result.failures.map((f) => ({ code: f.code, message: f.message, hint: f.hint }));
    printResult({ ...result, failures }, args.json, () => renderInstallTable(result));
    if (result.failures.length > 0) {
      for (const failure of result.failures.slice(1)) log.error(`${failure.message} [${failure.code}]`);
      throw result.failures[0]!;
    }
  },
});

const doctorCommand = defineCommand({
  description: 'each tool: pinned vs found, path, how it was obtained',
  options: { json: jsonOption },
  run: async ({ args }) => {
    const report = await doctor({ root: findRepoRoot() });
    printResult(report, args.json, () => renderDoctorTable(report));
    return report.ok ? 0 : 1;
  },
});

const env = defineCommand({
  description: 'the environment the tools expect, as JSON (or export lines with --shell)',
  options: { shell: option.flag('print `export NAME=value` lines for eval in a shell') },
  examples: ['eval "$(pnpm -s tsx scripts/toolchain.ts env --shell)"'],
  run: ({ args }) => {
    const vars = toolchainEnv();
    printResult(vars, !args.shell, () => renderShellExports(vars));
  },
});

export const command = defineGroup({
  description: 'the pinned IaC toolchain: install, doctor, env',
  subcommands: { install, doctor: doctorCommand, env },
});

await runScript(import.meta.url, command);
