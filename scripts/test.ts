#!/usr/bin/env tsx
/**
 * The project's test command (`pnpm test`, run by `./infra test` and CI): static checks, every vitest suite, and
 * every Nx `validate` target with the real IaC tools. Ends with one summary line, `tests: N passed, M failed`.
 *
 *   pnpm test                 everything
 *   pnpm test --only vitest   one stage: lint | typecheck | vitest | validate
 *   pnpm test -- <filter>     passes a file filter to vitest
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InfraError, log, runMain } from '@infra/core';
import { execa } from 'execa';
import { z } from 'zod';

const STAGES = ['lint', 'typecheck', 'vitest', 'validate'] as const;
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

await runMain(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { only: { type: 'string', multiple: true } },
  });
  const only = z.array(z.enum(STAGES)).optional().safeParse(values.only);
  if (!only.success) throw new InfraError('USAGE', `--only takes one of ${STAGES.join(', ')}`);
  const stages = only.data ?? [...STAGES];
  const root = join(import.meta.dirname, '..');
  await mkdir(join(root, '.infra'), { recursive: true });

  const results: StageResult[] = [];
  for (const stage of stages) {
    log.step(`${stage}`);
    const started = performance.now();
    const result = await runStage(stage, root, positionals);
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
  process.stdout.write(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
});

async function runStage(
  stage: Stage,
  root: string,
  filters: string[],
): Promise<Omit<StageResult, 'stage' | 'seconds'>> {
  const run = (file: string, args: string[], env: Record<string, string> = {}) =>
    execa(file, args, {
      cwd: root,
      stdio: 'inherit',
      reject: false,
      env: { FORCE_COLOR: process.stdout.isTTY ? '1' : '0', ...env },
    });
  const single = (ok: boolean) => ({ ok, passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 });
  switch (stage) {
    case 'lint':
      return single((await run('pnpm', ['exec', 'biome', 'check', '.'])).exitCode === 0);
    case 'typecheck':
      return single((await run('pnpm', ['exec', 'tsc', '-p', 'tsconfig.json', '--noEmit'])).exitCode === 0);
    case 'vitest': {
      const reportFile = join(root, '.infra', 'vitest-report.json');
      const result = await run('pnpm', [
        'exec',
        'vitest',
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
      const result = await run(
        'pnpm',
        ['exec', 'nx', 'run-many', '-t', 'validate', '--output-style=static'],
        { NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      );
      return single(result.exitCode === 0);
    }
  }
}
