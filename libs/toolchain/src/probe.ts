import { constants } from 'node:fs';
import { access, realpath } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import type { VersionProbe } from './catalog';
import { capture } from './exec';

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Finds `name` on PATH like `command -v`, skipping the given directories (our own shim dir: a shim is not
 * "already on PATH"), plus `extraDirs` searched last (e.g. /usr/sbin for sshd on a non-root PATH).
 */
export async function findOnPath(
  name: string,
  options: { pathValue?: string; skipDirs?: readonly string[]; extraDirs?: readonly string[] } = {},
): Promise<string | undefined> {
  const skip = new Set<string>();
  for (const dir of options.skipDirs ?? []) {
    skip.add(resolve(dir));
    skip.add(await realpath(dir).catch(() => resolve(dir)));
  }
  const dirs = [
    ...(options.pathValue ?? process.env.PATH ?? '').split(delimiter),
    ...(options.extraDirs ?? []),
  ];
  for (const dir of dirs) {
    if (dir === '' || skip.has(resolve(dir))) continue;
    const candidate = join(dir, name);
    if (await executable(candidate)) return candidate;
  }
  return undefined;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/**
 * Runs a version probe against a binary (given as an absolute path). Undefined when it cannot run or does
 * not print a version. Output is stdout and stderr together: ssh and sshd print to stderr.
 */
export async function probeVersion(
  binary: string,
  probe: VersionProbe,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ version: string | undefined; output: string; code: number }> {
  // No colours, and no argparse line wrapping (cloud-init wraps "<long path> 22.4.2" at 80 columns).
  const probeEnv = { ...env, NO_COLOR: '1', COLUMNS: '1000', TERM: 'dumb' };
  const result = await capture(binary, probe.args, { env: probeEnv, timeoutMs: 60_000 });
  const output = stripAnsi(`${result.stdout}\n${result.stderr}`);
  return { version: probe.parse(output), output, code: result.code };
}
