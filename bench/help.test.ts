import { discoverScripts, renderHelp, type ScriptEntry, UsageError } from '@infra/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveCommandLine } from '../libs/core/src/command/parse';
import { BAD_OPTION, helpWalkFailures } from '../scripts/testing/help-walk';

/**
 * Every benchmark in bench/ (found in the folder, so one added tomorrow is covered too) is on the command
 * framework: `--help` prints usage and exits 0, a bad option or value exits 2 with the usage line. Nothing
 * here runs a benchmark: help and usage errors are decided before a command's `run`.
 */
let benches: ScriptEntry[];
beforeAll(async () => {
  benches = await discoverScripts(import.meta.dirname);
});

const usageError = (bench: ScriptEntry, argv: string[]): UsageError => {
  try {
    resolveCommandLine(bench.command!, bench.file, argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`${bench.file} ${argv.join(' ')} was accepted`);
};

const bench = (file: string) => {
  const found = benches.find((b) => b.file === file);
  if (!found?.command) throw new Error(`${file} not found or not on the framework`);
  return found;
};

describe('every benchmark in bench/', () => {
  it('is on the command framework (exports its declared command and ends in runScript)', () => {
    expect(benches.map((b) => b.file)).toEqual(
      expect.arrayContaining([
        'deploy.bench.ts',
        'nx-validate.bench.ts',
        'proxmox-client.bench.ts',
        'talos-build.bench.ts',
        'toolchain.ts',
        'up.bench.ts',
      ]),
    );
    expect(benches.filter((b) => !b.command).map((b) => b.file)).toEqual([]);
  });

  it('--help prints usage and exits 0; a bad option exits 2 with the usage line (as a person runs them)', async () => {
    expect(await helpWalkFailures(benches)).toEqual([]);
  }, 600_000);

  it('a value out of range is a usage error naming the option, not a failure', () => {
    expect(usageError(bench('nx-validate.bench.ts'), ['--replays', '0']).message).toBe(
      '--replays: expected 1 or more',
    );
    expect(usageError(bench('nx-validate.bench.ts'), ['--work-ms', 'soon']).message).toBe(
      '--work-ms: expected a whole number',
    );
    expect(usageError(bench('proxmox-client.bench.ts'), ['--gets', '0']).message).toBe(
      '--gets: expected 1 or more',
    );
    expect(usageError(bench('talos-build.bench.ts'), ['--rounds', '21']).message).toBe(
      '--rounds: expected 20 or less',
    );
    expect(usageError(bench('toolchain.ts'), ['--json', 'yes']).message).toBe('unexpected argument "yes"');
    expect(usageError(bench('toolchain.ts'), [BAD_OPTION]).message).toBe(`unknown option ${BAD_OPTION}`);
  });

  it('the help shows the defaults the benchmarks run with (generated from the declarations)', () => {
    const help = (file: string) => renderHelp(file, bench(file).command!);
    expect(help('nx-validate.bench.ts')).toMatch(/--work-ms <N>.*\(default: 2000\)/);
    expect(help('nx-validate.bench.ts')).toMatch(
      /--change <path>.*ansible\/roles\/baseline\/tasks\/main\.yml/,
    );
    expect(help('proxmox-client.bench.ts')).toMatch(/--gets <N>.*\(default: 1000\)/);
    expect(help('talos-build.bench.ts')).toMatch(/--task-ms <N>.*\(default: 200\)/);
  });
});
