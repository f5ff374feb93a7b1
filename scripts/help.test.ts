import { discoverScripts, renderHelp, type ScriptEntry, UsageError } from '@infra/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveCommandLine } from '../libs/core/src/command/parse';
import { BAD_OPTION, commandPaths, helpWalkFailures } from './testing/help-walk';

/**
 * Every script in scripts/ (found in the folder, so a script added tomorrow is covered too) and every
 * subcommand: `--help` and `<sub> --help` print usage on stdout and exit 0; a bad option exits 2 with the
 * usage line on stderr. The processes run as a person runs them (node_modules/.bin/tsx), a few at a time
 * (testing/help-walk.ts; bench/help.test.ts walks the benchmarks the same way).
 */
let scripts: ScriptEntry[];
beforeAll(async () => {
  scripts = await discoverScripts(import.meta.dirname);
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
    const failures = await helpWalkFailures(scripts);
    expect(failures).toEqual([]);
  }, 600_000);

  it('help texts are generated from the declarations (a spot check)', () => {
    const sim = scripts.find((s) => s.file === 'sim.ts')!.command!;
    expect(renderHelp('sim.ts', sim)).toMatch(/^ {2}start +serve the Proxmox VE API/m);
  });
});
