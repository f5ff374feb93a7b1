import { type CoreErrorCode, InfraError, isInfraError, runProcess } from '@infra/core';
import { execa } from 'execa';

/** `sops encrypt` / `decrypt` subcommands and reading from stdin with --filename-override arrived in 3.9. */
export const MIN_SOPS_VERSION = '3.9.0';

const INSTALL_HINT =
  'install the pinned toolchain with `./infra toolchain install` (puts sops and age on PATH)';

export type Version = [number, number, number];

/** Pulls the version out of `sops --version` (first line `sops 3.13.2`, possibly followed by update notices). */
export function parseSopsVersion(output: string): Version | undefined {
  const match = /\bsops\s+v?(\d+)\.(\d+)\.(\d+)/.exec(output);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    if (a[i]! !== b[i]!) return a[i]! - b[i]!;
  }
  return 0;
}

export function parseVersionText(text: string): Version {
  const parts = text.split('.').map(Number);
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

const checked = new Map<string, Promise<string>>();

/**
 * Makes sure a recent enough `sops` is on PATH; returns its version. Memoized per PATH so a script pays for the
 * check once. `--disable-version-check` keeps sops from calling the GitHub API (unreachable here, and slow).
 */
export function ensureSops(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const key = env.PATH ?? '';
  let pending = checked.get(key);
  if (!pending) {
    pending = probeSops(env);
    checked.set(key, pending);
    pending.catch(() => checked.delete(key));
  }
  return pending;
}

async function probeSops(env: NodeJS.ProcessEnv): Promise<string> {
  const result = await runProcess('sops', ['--version', '--disable-version-check'], {
    env: { ...env, SOPS_DISABLE_VERSION_CHECK: 'true' },
    timeoutMs: 30_000,
  }).catch((error: unknown) => {
    if (isInfraError<CoreErrorCode>(error, 'TOOL_MISSING')) return undefined;
    throw error;
  });
  if (!result || result.exitCode === 127) {
    throw new InfraError('SOPS_MISSING', 'sops was not found on PATH', { hint: INSTALL_HINT });
  }
  const version = parseSopsVersion(`${result.stdout}\n${result.stderr}`);
  if (!version) {
    throw new InfraError('SOPS_VERSION', 'could not read the sops version from `sops --version`', {
      hint: INSTALL_HINT,
      details: { exitCode: result.exitCode },
    });
  }
  const text = version.join('.');
  if (compareVersions(version, parseVersionText(MIN_SOPS_VERSION)) < 0) {
    throw new InfraError(
      'SOPS_VERSION',
      `sops ${text} is too old: infra needs sops ${MIN_SOPS_VERSION} or newer`,
      {
        hint: INSTALL_HINT,
      },
    );
  }
  return text;
}

export interface SopsRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunSopsOptions {
  /** The complete environment of the child (nothing else is inherited), including its key variables. */
  env: Record<string, string | undefined>;
  /** Plaintext handed over on stdin, never on the command line or in a file. */
  input?: string;
  cwd?: string;
  /** Let sops talk to the terminal (the editor of `sops edit`); stderr is still captured. */
  interactive?: boolean;
}

/** Runs sops with the given arguments; never throws for a non-zero exit (callers map stderr to errors). */
export async function runSops(args: string[], options: RunSopsOptions): Promise<SopsRun> {
  await ensureSops(options.env);
  const result = await execa('sops', args, {
    env: options.env,
    extendEnv: false,
    reject: false,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stripFinalNewline: false,
    maxBuffer: 64 * 1024 * 1024,
    ...(options.interactive
      ? { stdin: 'inherit' as const, stdout: 'inherit' as const, stderr: 'pipe' as const }
      : options.input === undefined
        ? { stdin: 'ignore' as const }
        : { input: options.input }),
  });
  if (result.code === 'ENOENT')
    throw new InfraError('SOPS_MISSING', 'sops was not found on PATH', { hint: INSTALL_HINT });
  return {
    exitCode: result.exitCode ?? 1,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
  };
}
