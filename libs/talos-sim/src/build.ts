import { access, chmod, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type CoreErrorCode, InfraError, isInfraError, runProcess } from '@infra/core';
import { defaultCacheDir } from '@infra/toolchain';
import type { TalosSimErrorCode } from './error-codes';
import { GO_SOURCE_DIR, sourceHash } from './source';

export interface BuildOptions {
  /** $INFRA_CACHE_DIR (default: the per-user cache). */
  cacheDir?: string;
  sourceDir?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface BuiltBinary {
  path: string;
  hash: string;
  /** False when the cache already held this source hash. */
  built: boolean;
  seconds: number;
}

/** Where the binary for a source hash lives: $INFRA_CACHE_DIR/talos-sim/<hash>/talos-sim. */
export const binaryPath = (cacheDir: string, hash: string) => join(cacheDir, 'talos-sim', hash, 'talos-sim');

/** What `go build` needs besides the runner's minimal environment (no tokens reach the compiler). */
const GO_ENV_KEYS = [
  'PATH',
  'HOME',
  'GOPATH',
  'GOMODCACHE',
  'GOCACHE',
  'GOPROXY',
  'GONOSUMDB',
  'GOPRIVATE',
  'GOSUMDB',
  'GOFLAGS',
  'TMPDIR',
];

/**
 * The simulator binary for the current sources: from the cache when it holds this source hash, else built
 * with `nice go build` (about a minute on a cold module cache; pkg/machinery resolves from the Go module
 * proxy without replaces) into a temp file and renamed into place, so concurrent runs never see half a binary.
 */
export async function ensureTalosSimBinary(options: BuildOptions = {}): Promise<BuiltBinary> {
  const env = options.env ?? process.env;
  const sourceDir = options.sourceDir ?? GO_SOURCE_DIR;
  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const hash = await sourceHash(sourceDir);
  const path = binaryPath(cacheDir, hash);
  const started = performance.now();
  if (await exists(path)) return { path, hash, built: false, seconds: 0 };

  await mkdir(join(cacheDir, 'talos-sim', hash), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const result = await runProcess(
      'nice',
      ['-n', '10', 'go', 'build', '-trimpath', '-ldflags', '-s -w', '-o', tmp, '.'],
      {
        cwd: sourceDir,
        pass: GO_ENV_KEYS,
        env: { CGO_ENABLED: '0' },
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    if (result.exitCode !== 0)
      throw new InfraError<TalosSimErrorCode>(
        'TALOS_SIM_BUILD_FAILED',
        `go build of the Talos simulator (${sourceDir}) failed:\n${(result.stderr || result.stdout).trim()}`,
        { hint: 'fix the Go sources; `go test ./...` in that folder shows the same error' },
      );
  } catch (error) {
    await rm(tmp, { force: true });
    if (isInfraError<CoreErrorCode>(error, 'TOOL_MISSING'))
      throw new InfraError<TalosSimErrorCode>(
        'TALOS_SIM_BUILD_FAILED',
        'cannot build the Talos simulator: `go` (or `nice`) is not on PATH',
        {
          hint: 'install Go >= 1.26 (the README lists the prerequisites)',
          cause: error,
        },
      );
    throw error;
  }
  await chmod(tmp, 0o755);
  await rename(tmp, path);
  return { path, hash, built: true, seconds: (performance.now() - started) / 1000 };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
