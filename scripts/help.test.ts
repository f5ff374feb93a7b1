import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, discoverScripts, renderHelp, type ScriptEntry, UsageError } from '@infra/core';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveCommandLine } from '../libs/core/src/command/parse';

/**
 * Every script in scripts/ (found in the folder, so a script added tomorrow is covered too) and every
 * subcommand: `--help` and `<sub> --help` print usage on stdout and exit 0; a bad option exits 2 with the
 * usage line on stderr. The processes run as a person runs them (node_modules/.bin/tsx), a few at a time.
 */
const repoRoot = resolve(import.meta.dirname, '..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
const BAD_OPTION = '--no-such-option-xyz';

let scripts: ScriptEntry[];
beforeAll(async () => {
  scripts = await discoverScripts(import.meta.dirname);
});

/** `[['start'], ['stop'], ...]` for a group, `[[]]` for a plain command; nested groups walked through. */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
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

const run = (file: string, args: string[]) =>
  execa(tsx, [join(import.meta.dirname, file), ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    reject: false,
    timeout: 120_000,
  });

describe('every script in scripts/', () => {
  it('is on the command framework (exports its declared command and ends in runScript)', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(9);
    expect(scripts.filter((s) => !s.command).map((s) => s.file)).toEqual([]);
  });

  it('rejects a bad option at every command with a usage error naming it (in-process)', () => {
    for (const { file, command } of scripts) {
      for (const path of commandPaths(command!)) {
        const argv = [...path, BAD_OPTION];
        let error: unknown;
        try {
          resolveCommandLine(command!, file, argv);
        } catch (caught) {
          error = caught;
        }
        expect(error, `${file} ${argv.join(' ')}`).toBeInstanceOf(UsageError);
        // A group with its subcommand missing says so; everywhere else the option is named.
        const message = (error as UsageError).message;
        expect(message, `${file} ${argv.join(' ')}`).toMatch(new RegExp(`${BAD_OPTION}|^missing command`));
      }
    }
  });

  it('--help and <sub> --help print usage and exit 0; a bad option exits 2 with the usage line', async () => {
    const cases = scripts.flatMap(({ file, command }) => [
      ...commandPaths(command!).map((path) => ({ file, path, kind: 'help' as const, command: command! })),
      { file, path: commandPaths(command!).at(-1)!, kind: 'bad' as const, command: command! },
    ]);
    const limit = Math.max(2, availableParallelism());
    const failures = (
      await pool(cases, limit, async ({ file, path, kind }) => {
        const label = `${file} ${path.join(' ')}`.trim();
        if (kind === 'help') {
          const result = await run(file, [...path, '--help']);
          const ok =
            result.exitCode === 0 && result.stdout.includes(`usage: ${label}`) && result.stderr.trim() === '';
          return ok
            ? undefined
            : `${label} --help: exit ${result.exitCode}\n${result.stdout}\n${result.stderr}`;
        }
        const result = await run(file, [...path, BAD_OPTION]);
        const ok =
          result.exitCode === 2 &&
          result.stderr.includes(`unknown option ${BAD_OPTION} [USAGE]`) &&
          result.stderr.includes(`usage: ${label}`) &&
          result.stdout === '';
        return ok ? undefined : `${label} ${BAD_OPTION}: exit ${result.exitCode}\n${result.stderr}`;
      })
    ).filter(Boolean);
    expect(failures).toEqual([]);
  }, 600_000);

  it('help texts are generated from the declarations (a spot check)', () => {
    const sim = scripts.find((s) => s.file === 'sim.ts')!.command!;
    expect(renderHelp('sim.ts', sim)).toMatch(/^ {2}start +serve the Proxmox VE API/m);
  });
});
