import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command, ScriptEntry } from '@infra/core';
import { execa } from 'execa';

/**
 * The walk behind scripts/help.test.ts and bench/help.test.ts: every command of every entry point in a
 * folder, run as a person runs it (node_modules/.bin/tsx), asked for `--help` and given a bad option. Neither
 * reaches a command's `run`, so walking a benchmark measures nothing.
 */
const repoRoot = resolve(import.meta.dirname, '..', '..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');

export const BAD_OPTION = '--no-such-option-xyz';

/** `[['start'], ['stop'], ...]` for a group, `[[]]` for a plain command; nested groups walked through. */
export function commandPaths(command: Command, prefix: string[] = []): string[][] {
  if (command.kind === 'leaf') return [prefix];
  return [
    prefix,
    ...Object.entries(command.subcommands).flatMap(([name, sub]) => commandPaths(sub, [...prefix, name])),
  ];
}

async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const run = (path: string, args: string[]) =>
  execa(tsx, [path, ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    reject: false,
    timeout: 120_000,
  });

/**
 * `--help` and `<sub> --help` must print usage on stdout (nothing on stderr) and exit 0; a bad option at the
 * deepest command must exit 2 with `unknown option ... [USAGE]` and the usage line on stderr, nothing on
 * stdout. Returns one message per case that did not; empty when all did.
 */
interface WalkCase {
  file: string;
  path: string;
  args: string[];
  kind: 'missing' | 'help' | 'bad';
}

export async function helpWalkFailures(scripts: readonly ScriptEntry[]): Promise<string[]> {
  const cases = scripts.flatMap(({ file, path, command }): WalkCase[] => {
    if (!command) return [{ file, path, args: [], kind: 'missing' }];
    const paths = commandPaths(command);
    return [
      ...paths.map((sub): WalkCase => ({ file, path, args: sub, kind: 'help' })),
      { file, path, args: paths.at(-1)!, kind: 'bad' },
    ];
  });
  const limit = Math.max(2, availableParallelism());
  const failures = await pool(cases, limit, async ({ file, path, args, kind }) => {
    const label = `${file} ${args.join(' ')}`.trim();
    if (kind === 'missing') return `${file}: not on the command framework`;
    if (kind === 'help') {
      const result = await run(path, [...args, '--help']);
      const ok =
        result.exitCode === 0 && result.stdout.includes(`usage: ${label}`) && result.stderr.trim() === '';
      return ok ? undefined : `${label} --help: exit ${result.exitCode}\n${result.stdout}\n${result.stderr}`;
    }
    const result = await run(path, [...args, BAD_OPTION]);
    const ok =
      result.exitCode === 2 &&
      result.stderr.includes(`unknown option ${BAD_OPTION} [USAGE]`) &&
      result.stderr.includes(`usage: ${label}`) &&
      result.stdout === '';
    return ok ? undefined : `${label} ${BAD_OPTION}: exit ${result.exitCode}\n${result.stderr}`;
  });
  return failures.filter((failure): failure is string => failure !== undefined);
}
