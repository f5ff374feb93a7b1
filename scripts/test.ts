#!/usr/bin/env tsx
/**
 * The project's test command (`pnpm test`, run by `./infra test` and CI): static checks, every vitest suite, and
 * every Nx `validate` target with the real IaC tools, every role's Molecule scenario. Ends with one summary line,
 * `tests: N passed, M failed`. The tools run from node_modules/.bin directly: `pnpm exec` would run pnpm's
 * dependency check first.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineCommand, log, option, positional, runProcess, runScript } from '@infra/core';
import { z } from 'zod';

const STAGES = ['lint', 'typecheck', 'vitest', 'validate', 'molecule'] as const;
type Stage = (typeof STAGES)[number];

const vitestReport = z.object({
  numPassedTests: z.number(),
  numFailedTests: z.number(),
  numPendingTests: z.number(),
  numTodoTests: z.number().default(0),
});

interface StageResult {
  stage: Stage;
  ok: boolean;
  seconds: number;
  passed: number;
  failed: number;
  skipped: number;
}

export const command = defineCommand({
  description:
    "the project's test command: lint, typecheck, every vitest suite, every Nx validate and molecule target",
  options: {
    only: option.list('run only this stage (repeatable)', {
      value: STAGES.join('|'),
      item: z.enum(STAGES, { error: `expected one of ${STAGES.join(', ')}` }),
    }),
  },
  positionals: { filters: positional.rest('filter', 'file filters passed to vitest') },
  examples: ['pnpm test', 'pnpm test --only vitest -- libs/core'],
  run: async ({ args, signal }) => {
    const stages = args.only.length > 0 ? args.only : [...STAGES];
    const root = join(import.meta.dirname, '..');
    await mkdir(join(root, '.infra'), { recursive: true });

    const results: StageResult[] = [];
    for (const stage of stages) {
      log.step(`${stage}`);
      const started = performance.now();
      const result = await runStage(stage, root, args.filters, signal);
      results.push({ ...result, stage, seconds: (performance.now() - started) / 1000 });
      if (!result.ok) log.error(`${stage} failed`);
    }

    log.step('summary');
    for (const r of results) {
      log.info(
        `${r.ok ? 'ok  ' : 'FAIL'}  ${r.stage.padEnd(9)} ${r.seconds.toFixed(1).padStart(6)}s  ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`,
      );
    }
    const passed = results.reduce((n, r) => n + r.passed, 0);
    const failed = results.reduce((n, r) => n + r.failed, 0);
    const skipped = results.reduce((n, r) => n + r.skipped, 0);
    process.stdout.write(
      `tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
    return results.every((r) => r.ok) ? 0 : 1;
  },
});

await runScript(import.meta.url, command);

async function runStage(
  stage: Stage,
  root: string,
  filters: string[],
  signal: AbortSignal,
): Promise<Omit<StageResult, 'stage' | 'seconds'>> {
  const run = (tool: string, args: string[], env: Record<string, string> = {}) =>
    runProcess(join(root, 'node_modules', '.bin', tool), args, {
      cwd: root,
      signal,
      // The test suites read the caller's environment (CI, INFRA_*, the toolchain's variables): handed on
      // by name, on purpose, for this harness only.
      pass: Object.keys(process.env),
      env: { FORCE_COLOR: process.stdout.isTTY ? '1' : '0', ...env },
      output: 'stream',
      onLine: (line) => process.stdout.write(`${line}\n`),
    });
  const single = (ok: boolean) => ({ ok, passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 });
  switch (stage) {
    case 'lint':
      return single((await run('biome', ['check', '.'])).exitCode === 0);
    case 'typecheck':
      return single((await run('tsc', ['-p', 'tsconfig.json', '--noEmit'])).exitCode === 0);
    case 'vitest': {
      const reportFile = join(root, '.infra', 'vitest-report.json');
      const result = await run('vitest', [
        'run',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${reportFile}`,
        ...filters,
      ]);
      const report = vitestReport.safeParse(JSON.parse(await readFile(reportFile, 'utf8').catch(() => '{}')));
      if (!report.success) return single(false);
      const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = report.data;
      return {
        ok: result.exitCode === 0 && numFailedTests === 0,
        passed: numPassedTests,
        failed: numFailedTests,
        skipped: numPendingTests + numTodoTests,
      };
    }
    case 'validate': {
      // Every validate target, with the real tools; Nx caches results, so a re-run replays unchanged projects.
      const result = await run('nx', ['run-many', '-t', 'validate', '--output-style=static'], {
        NX_DAEMON: 'false',
        NX_NO_CLOUD: 'true',
      });
      return single(result.exitCode === 0);
    }
    case 'molecule': {
      // Every role's Molecule scenario for real (podman, the cached Debian base image); cached like validate.
      const result = await run('nx', ['run-many', '-t', 'molecule', '--output-style=static'], {
        NX_DAEMON: 'false',
        NX_NO_CLOUD: 'true',
      });
      return single(result.exitCode === 0);
    }
  }
}
