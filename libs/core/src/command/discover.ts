import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from './command';
import { isEntryPoint } from './run';

export interface ScriptEntry {
  /** `sim.ts` */
  file: string;
  path: string;
  /** The declared command, or undefined when the file is not on the framework (then it is never imported). */
  command: Command | undefined;
}

/** A script on the framework ends with this call; only such files are imported (importing runs nothing). */
const FRAMEWORK_MARK = 'runScript(import.meta.url';

function isCommand(value: unknown): value is Command {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return (
    (kind === 'leaf' || kind === 'group') &&
    typeof (value as { description?: unknown }).description === 'string'
  );
}

/**
 * Every `*.ts` script in `dir` (tests excluded) with its declared command, read by importing the module:
 * `runScript` does nothing when the file is not the entry point. A file without the `runScript` call is not
 * imported at all (it might run when loaded) and comes back with `command: undefined`. Nor is the running
 * entry point itself (importing a module still evaluating its top-level await would never settle).
 */
export async function discoverScripts(dir: string): Promise<ScriptEntry[]> {
  const files = (await readdir(dir))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .sort();
  return Promise.all(
    files.map(async (file) => {
      const path = join(dir, file);
      const source = await readFile(path, 'utf8');
      if (!source.includes(FRAMEWORK_MARK) || isEntryPoint(pathToFileURL(path).href))
        return { file, path, command: undefined };
      const module = (await import(pathToFileURL(path).href)) as { command?: unknown };
      return { file, path, command: isCommand(module.command) ? module.command : undefined };
    }),
  );
}
