import { type CoreErrorCode, InfraError, isInfraError, runProcess } from '@infra/core';
import type { SopsErrorCode } from './error-codes';
import type { SopsKeyContext } from './key-context';
import { toolEnvironment } from './tool-env';

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
    env: sopsEnvironment(env),
    timeoutMs: 30_000,
  }).catch((error: unknown) => {
    if (isInfraError<CoreErrorCode>(error, 'TOOL_MISSING')) return undefined;
    throw error;
  });
  if (!result || result.exitCode === 127) throw sopsMissing();
  const version = parseSopsVersion(`${result.stdout}\n${result.stderr}`);
  if (!version) {
    throw new InfraError<SopsErrorCode>(
      'SOPS_VERSION',
      'could not read the sops version from `sops --version`',
      {
        hint: INSTALL_HINT,
        details: { exitCode: result.exitCode },
      },
    );
  }
  const text = version.join('.');
  if (compareVersions(version, parseVersionText(MIN_SOPS_VERSION)) < 0) {
    throw new InfraError<SopsErrorCode>(
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
  /** Exactly as sops wrote it (decrypted plaintext is parsed, never printed). */
  stdout: string;
  /** Redacted. */
  stderr: string;
}

export interface RunSopsOptions {
  /** Whose keys, and the caller environment sops' minimal environment is copied from. */
  keys: Pick<SopsKeyContext, 'from' | 'env'>;
  /** Plaintext handed over on stdin, never on the command line or in a file. */
  input?: string;
  cwd?: string;
  /** Let sops talk to the terminal (the editor of `sops edit`); stderr is still captured. */
  interactive?: boolean;
}

/**
 * Runs sops through the core process runner: the runner's minimal base environment, `TOOL_ENV_PASS.sops`
 * (the editor, the version-check switch) copied from the caller's environment, and the resolved key
 * variables. Never throws for a non-zero exit (callers map stderr to errors).
 */
export async function runSops(args: string[], options: RunSopsOptions): Promise<SopsRun> {
  await ensureSops(options.keys.from);
  const result = await runProcess('sops', args, {
    env: sopsEnvironment(options.keys.from, options.keys.env),
    rawStdout: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.interactive ? { interactive: true } : {}),
    ...(options.input === undefined ? {} : { input: options.input }),
  }).catch((error: unknown) => {
    if (isInfraError<CoreErrorCode>(error, 'TOOL_MISSING')) throw sopsMissing();
    throw error;
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

function sopsEnvironment(from: NodeJS.ProcessEnv, keys: Readonly<Record<string, string>> = {}) {
  // The version check would call the GitHub API (unreachable here, and slow).
  return toolEnvironment('sops', { from, env: { ...keys, SOPS_DISABLE_VERSION_CHECK: 'true' } });
}

function sopsMissing() {
  return new InfraError<SopsErrorCode>('SOPS_MISSING', 'sops was not found on PATH', { hint: INSTALL_HINT });
}
