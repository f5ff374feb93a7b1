#!/usr/bin/env tsx
/**
 * pnpm tsx bench/nx-validate.bench.ts [--fixture] [--work-ms 2000] [--change <path>] [--replays 3] [--json]
 *
 * Times `nx run-many -t validate` cold (empty cache), replayed from the cache, and `nx affected -t validate`
 * after a one-file change, in a throw-away copy, and prints the ratios.
 *   default    a clone of this repo's HEAD (real validators and tools; node_modules linked from the checkout)
 *   --fixture  the plugin's fixture IaC tree with a stand-in validator that works --work-ms per project
 *              (meaningful without the toolchain)
 */
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defineCommand,
  InfraError,
  jsonOption,
  log,
  option,
  printResult,
  runProcess,
  runScript,
} from '@infra/core';
import {
  createFixtureRepo,
  localNxDirs,
  NX_ENV,
  WORKSPACE_ROOT,
} from '../tools/nx-plugin/src/test-utils/fixture-repo';
import { type RunSummary, summarizeRun } from '../tools/nx-plugin/src/test-utils/nx-output';
import type { BenchErrorCode } from './support/error-codes';

interface Measurement {
  label: string;
  seconds: number;
  summary: RunSummary;
}

export const command = defineCommand({
  description: 'nx run-many -t validate cold vs replayed from the cache vs nx affected after one change',
  options: {
    fixture: option.flag(
      "the plugin's fixture IaC tree with a stand-in validator (meaningful without the toolchain)",
    ),
    'work-ms': option.integer('with --fixture: milliseconds the stand-in validator works per project', {
      default: 2000,
      min: 0,
      max: 60_000,
    }),
    change: option.string('the committed file to change before nx affected', {
      default: 'ansible/roles/baseline/tasks/main.yml',
      value: 'path',
    }),
    replays: option.integer('cache replays to take the median of', { default: 3, min: 1, max: 20 }),
    json: jsonOption,
  },
  examples: ['nx-validate.bench.ts --fixture --work-ms 500', 'nx-validate.bench.ts --replays 5 --json'],
  run: async ({ args }) => {
    const workMs = args['work-ms'];
    const { dir, cleanup } = args.fixture ? _fixtureCopy(workMs) : await _repoCopy();
    try {
      if (!existsSync(join(dir, args.change))) {
        throw new InfraError<BenchErrorCode>(
          'BENCH_CHANGE_MISSING',
          `${args.change} does not exist in the benchmark copy`,
          {
            hint: 'pass --change with a file that is committed in the repo',
          },
        );
      }
      log.step(
        `benchmark copy: ${dir} (${args.fixture ? `fixture, ${workMs} ms per validate` : 'repo HEAD'})`,
      );
      const runMany = ['run-many', '-t', 'validate', '--output-style=static'];
      const cold = await _time('cold (empty cache)', dir, runMany);
      const replays: Measurement[] = [];
      // One after the other: concurrent runs would measure each other.
      for (let i = 0; i < args.replays; i++)
        replays.push(await _time(`cache replay #${i + 1}`, dir, runMany));
      const replay = _median(replays);
      appendFileSync(join(dir, args.change), '# bench change\n');
      await _git(dir, ['commit', '-q', '-am', `bench: change ${args.change}`]);
      const affectedArgs = ['affected', '-t', 'validate', '--base=HEAD~1', '--output-style=static'];
      const affected = await _time(`affected after changing ${args.change}`, dir, affectedArgs);
      const affectedReplay = await _time('affected again (cache replay)', dir, affectedArgs);

      const results = [cold, ...replays, affected, affectedReplay];
      const ratios = {
        coldOverReplay: cold.seconds / replay.seconds,
        coldOverAffected: cold.seconds / affected.seconds,
        affectedOverReplay: affected.seconds / replay.seconds,
      };
      const failed = [...new Set(results.flatMap((r) => r.summary.failed))];
      printResult(
        { mode: args.fixture ? 'fixture' : 'repo', results, replayMedian: replay.seconds, ratios, failed },
        args.json,
        () => _report(results, replay, ratios, failed),
      );
    } finally {
      cleanup();
    }
  },
});

await runScript(import.meta.url, command);

// --- internal ---

/**
 * What nx and the validators it runs need beyond the runner's minimal environment (PATH, HOME, locale):
 * deterministic local Nx settings, and where the toolchain and source archives are.
 */
const NX_PASS = ['INFRA_CACHE_DIR', 'INFRA_SOURCE_ARCHIVES', 'INFRA_TOOLCHAIN_JOBS'] as const;

async function _time(label: string, dir: string, nxArgs: string[]): Promise<Measurement> {
  log.info(`${label}: nx ${nxArgs.join(' ')}`);
  const start = process.hrtime.bigint();
  const nx = createRequire(join(WORKSPACE_ROOT, 'package.json')).resolve('nx/bin/nx.js');
  const result = await runProcess(process.execPath, [nx, ...nxArgs], {
    cwd: dir,
    pass: NX_PASS,
    env: { ...NX_ENV, ...localNxDirs(dir), NX_ISOLATE_PLUGINS: 'true', NX_LEGACY_AFFECTED: 'false' },
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const summary = summarizeRun(`${result.stdout}\n${result.stderr}`);
  if (result.exitCode !== 0 && summary.failed.length === 0) {
    throw new InfraError<BenchErrorCode>(
      'BENCH_NX_FAILED',
      `nx ${nxArgs.join(' ')} exited ${result.exitCode}: ${result.stderr.slice(-800)}`,
    );
  }
  return { label, seconds, summary };
}

function _median(runs: Measurement[]): Measurement {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;
}

function _report(
  results: Measurement[],
  replay: Measurement,
  ratios: Record<string, number>,
  failed: string[],
): string {
  const rows = results.map(
    (r) =>
      `${r.label.padEnd(64)} ${r.seconds.toFixed(2).padStart(7)} s  ${String(r.summary.ran.length).padStart(3)} tasks, ${r.summary.cached} from cache`,
  );
  return [
    ...rows,
    '',
    `cold / cache replay (median ${replay.seconds.toFixed(2)} s): ${ratios.coldOverReplay!.toFixed(1)}x`,
    `cold / affected after one change:          ${ratios.coldOverAffected!.toFixed(1)}x`,
    `affected / cache replay:                   ${ratios.affectedOverReplay!.toFixed(1)}x`,
    ...(failed.length > 0
      ? ['', `warning: failing tasks (not cached, so they re-run every time): ${failed.join(', ')}`]
      : []),
  ].join('\n');
}

function _fixtureCopy(workMs: number): { dir: string; cleanup: () => void } {
  const repo = createFixtureRepo({
    pluginOptions: {
      validateCommand: `node -e "setTimeout(() => {}, ${workMs})"`,
      buildImageCommand: 'echo build',
    },
  });
  return { dir: repo.dir, cleanup: repo.cleanup };
}

/** A clone of HEAD with node_modules linked from the checkout (root and every workspace package). */
async function _repoCopy(): Promise<{ dir: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'infra-nx-bench-'));
  await _git(WORKSPACE_ROOT, ['clone', '-q', '--no-hardlinks', WORKSPACE_ROOT, dir]);
  // `.gitignore` says `node_modules/`, which a symlink does not match: unignored, the links would be
  // untracked inputs of every validate (and everything would look affected).
  appendFileSync(join(dir, '.git/info/exclude'), 'node_modules\n');
  const link = (relative: string) => {
    const source = join(WORKSPACE_ROOT, relative, 'node_modules');
    if (existsSync(source) && existsSync(join(dir, relative)))
      symlinkSync(source, join(dir, relative, 'node_modules'), 'dir');
  };
  link('.');
  for (const parent of ['libs', 'tools']) {
    for (const name of readdirSync(join(WORKSPACE_ROOT, parent))) link(join(parent, name));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function _git(dir: string, args: string[]): Promise<void> {
  await runProcess('git', args, {
    cwd: dir,
    check: true,
    env: {
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'b@b',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'b@b',
      LEFTHOOK: '0',
    },
  });
}
