import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURE_TREE } from './fixture-tree';

/** The workspace this plugin lives in (its node_modules and lockfile are reused by throw-away repos). */
export const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const PLUGIN_ENTRY = join(WORKSPACE_ROOT, 'tools/nx-plugin/src/index.ts');
const NX_BIN = createRequire(join(WORKSPACE_ROOT, 'package.json')).resolve('nx/bin/nx.js');

export interface NxResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface FixtureRepo {
  dir: string;
  write(path: string, content: string): void;
  /** Appends a line to a file (a content change of any kind of file). */
  touch(path: string, line?: string): void;
  commit(message: string): void;
  nx(args: readonly string[], env?: Record<string, string>): NxResult;
  /** The same, without blocking: lets independent Nx queries run side by side. */
  nxAsync(args: readonly string[], env?: Record<string, string>): Promise<NxResult>;
  /** Runs nx and fails with its output unless it exits 0. */
  nxOk(args: readonly string[], env?: Record<string, string>): string;
  cleanup(): void;
}

/**
 * The environment for Nx in a throw-away repo: the caller's, minus every NX_* variable (a parent Nx run,
 * e.g. `nx run @infra/nx-plugin:test`, exports its own, and the repo's .env sets NX_LEGACY_AFFECTED),
 * plus NX_ENV and the call's overrides.
 */
export function nxEnvironment(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NX_')));
  return { ...inherited, ...NX_ENV, ...overrides };
}

/**
 * Keeps Nx's cache and workspace data inside the repo. Nx 23 otherwise shares them between all checkouts of
 * a workspace under ~/.nx/<workspace id> (from the git remote or first commit): a benchmark copy would
 * replay the checkout's cache, and every throw-away repo would leave a folder in ~/.nx.
 */
export function localNxDirs(repoDir: string): Record<string, string> {
  return {
    NX_CACHE_DIRECTORY: join(repoDir, '.nx/cache'),
    NX_WORKSPACE_DATA_DIRECTORY: join(repoDir, '.nx/workspace-data'),
  };
}

/** Deterministic, fast, local Nx: no daemon, no cloud, plugins in-process, no colours. */
export const NX_ENV: Readonly<Record<string, string>> = {
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_ISOLATE_PLUGINS: 'false',
  NX_TUI: 'false',
  FORCE_COLOR: '0',
  NO_COLOR: '1',
  CI: 'true',
};

/**
 * A throw-away git repo in a temp dir holding `tree` (the fixture IaC tree by default), the workspace's
 * root package.json and lockfile (so Nx knows the npm packages), node_modules symlinked from the workspace,
 * and an nx.json registering this plugin by absolute path. Everything is committed once.
 */
export function createFixtureRepo(
  options: { pluginOptions?: Record<string, unknown>; tree?: Readonly<Record<string, string>> } = {},
): FixtureRepo {
  const dir = mkdtempSync(join(tmpdir(), 'infra-nx-plugin-'));
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  for (const [path, content] of Object.entries(options.tree ?? FIXTURE_TREE)) write(path, content);
  copyFileSync(join(WORKSPACE_ROOT, 'package.json'), join(dir, 'package.json'));
  copyFileSync(join(WORKSPACE_ROOT, 'pnpm-lock.yaml'), join(dir, 'pnpm-lock.yaml'));
  // Nx registers its TypeScript transpiler for a .ts plugin only when the workspace has a tsconfig.
  copyFileSync(join(WORKSPACE_ROOT, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  symlinkSync(join(WORKSPACE_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  write(
    'nx.json',
    `${JSON.stringify({ plugins: [{ plugin: PLUGIN_ENTRY, options: options.pluginOptions ?? {} }] }, null, 2)}\n`,
  );

  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      stdio: 'pipe',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'fixture');

  const nx = (args: readonly string[], env: Record<string, string> = {}): NxResult => {
    const result = spawnSync(process.execPath, [NX_BIN, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: nxEnvironment({ ...localNxDirs(dir), ...env }),
      timeout: 120_000,
    });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };

  const nxAsync = (args: readonly string[], env: Record<string, string> = {}): Promise<NxResult> =>
    new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [NX_BIN, ...args], {
        cwd: dir,
        env: nxEnvironment({ ...localNxDirs(dir), ...env }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolvePromise({ status: code ?? -1, stdout, stderr }));
    });

  return {
    dir,
    write,
    touch(path, line = '# changed') {
      let current = '';
      try {
        current = readFileSync(join(dir, path), 'utf8');
      } catch {
        current = '';
      }
      write(path, `${current}${line}\n`);
    },
    commit(message) {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
    },
    nx,
    nxAsync,
    nxOk(args, env) {
      const result = nx(args, env);
      if (result.status !== 0) {
        throw new Error(`nx ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
      }
      return result.stdout;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
