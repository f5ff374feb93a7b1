import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportFailure } from '../failure';
import { log as defaultLog, type Logger } from '../log';
import type { Command } from './command';
import { renderHelp } from './help';
import { watchInterrupts } from './interrupt';
import { resolveCommandLine } from './parse';

export interface RunCommandOptions {
  /** Shown in usage lines: `sim.ts`. */
  name: string;
  argv?: readonly string[];
  log?: Logger;
}

/**
 * Parses the command line against the declarations and runs the command. Returns the exit code: 0 for help,
 * 2 for a usage error, 1 for a failure, 130/143 after an interrupt, or what the command returned.
 */
export async function runCommand(root: Command, options: RunCommandOptions): Promise<number> {
  const log = options.log ?? defaultLog;
  let json = false;
  const interrupt = watchInterrupts(log);
  try {
    const resolution = resolveCommandLine(root, options.name, options.argv ?? process.argv.slice(2));
    if (resolution.kind === 'help') {
      process.stdout.write(`${renderHelp(resolution.path, resolution.command)}\n`);
      return 0;
    }
    json = resolution.values.json === true;
    const code = await resolution.command.run({
      args: resolution.values,
      log,
      signal: interrupt.signal,
      path: resolution.path,
    });
    return interrupt.exitCode() ?? code ?? 0;
  } catch (error) {
    const failure = interrupt.signal.aborted ? (interrupt.signal.reason as unknown) : error;
    const code = reportFailure(failure, log, { json });
    return interrupt.exitCode() ?? code;
  } finally {
    interrupt.dispose();
  }
}

/** True when `moduleUrl` is the file node was started with (not imported by `./infra help` or a test). */
export function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  };
  return real(entry) === real(fileURLToPath(moduleUrl));
}

/**
 * The last line of every script: `await runScript(import.meta.url, command)`. Runs the command when the file
 * is the entry point and sets the exit code; does nothing when imported, so `./infra help` and the help test
 * can read the declarations without running anything.
 */
export async function runScript(moduleUrl: string, command: Command): Promise<void> {
  if (!isEntryPoint(moduleUrl)) return;
  process.exitCode = await runCommand(command, { name: basename(fileURLToPath(moduleUrl)) });
}
