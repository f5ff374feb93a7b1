import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError } from '@infra/core';
import type { ToolchainErrorCode } from '../error-codes';
import { capture, runLogged, tailLines } from '../exec';
import type { Progress } from '../progress';
import type { MarkerInput } from '../store';

export interface AptContext {
  logFile: string;
  progress: Progress;
  subject: string;
  /** Whether we may run apt-get install / update (root). */
  isRoot: boolean;
}

/** The package's Depends field, kept beside the unpacked tree to re-check the system modules later. */
export const DEPENDS_FILE = 'depends.txt';

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

/**
 * The Python modules a Debian package needs from the distribution: the `python3-*` names of its Depends
 * field (first alternative of each), without version constraints or `:any` qualifiers.
 */
export function pythonDependencies(depends: string): string[] {
  const names = new Set<string>();
  for (const clause of depends.split(',')) {
    const first = clause.split('|')[0]!.trim();
    const name = first.split(/[\s(]/)[0]!.replace(/:\w+$/, '');
    if (name.startsWith('python3-')) names.add(name);
  }
  return [...names].sort();
}

async function aptListsPresent(): Promise<boolean> {
  const entries = await readdir('/var/lib/apt/lists').catch(() => []);
  return entries.some((name) => name.endsWith('_Packages') || name.endsWith('_Packages.lz4'));
}

async function aptFailure(ctx: AptContext, what: string, code: number): Promise<InfraError> {
  const tail = await tailLines(ctx.logFile, 12);
  return new InfraError<ToolchainErrorCode>(
    'TOOLCHAIN_APT_FAILED',
    `${ctx.subject}: ${what} failed (exit ${code}); last lines of ${ctx.logFile}:\n${tail.map((l) => `    ${l}`).join('\n')}`,
    { hint: `read ${ctx.logFile}; as root, \`apt-get update\` first if the package lists are old` },
  );
}

/** `apt-get update` once when the lists are missing (a fresh machine) and we are allowed to. */
export async function ensureAptLists(ctx: AptContext, force = false): Promise<void> {
  if (!force && (await aptListsPresent())) return;
  if (!ctx.isRoot) return;
  const code = await ctx.progress.phase('apt-get update', () =>
    runLogged('apt-get', ['update'], { env: APT_ENV, logFile: ctx.logFile, timeoutMs: 15 * 60_000 }),
  );
  if (code !== 0) throw await aptFailure(ctx, 'apt-get update', code);
}

/** Installs Debian packages system-wide (root only); otherwise says exactly what to run. */
export async function aptInstall(packages: readonly string[], ctx: AptContext, why: string): Promise<void> {
  if (packages.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (!ctx.isRoot) {
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_NEEDS_ROOT',
      `${ctx.subject}: ${why} needs Debian packages that are not installed: ${packages.join(', ')}`,
      {
        hint: `run as root: sudo ${command}; then rerun the install`,
      },
    );
  }
  await ensureAptLists(ctx);
  const args = ['install', '-y', '--no-install-recommends', ...packages];
  let code = await ctx.progress.phase(`apt-get install ${packages.join(' ')}`, () =>
    runLogged('apt-get', args, { env: APT_ENV, logFile: ctx.logFile, timeoutMs: 30 * 60_000 }),
  );
  if (code !== 0) {
    await ensureAptLists(ctx, true);
    code = await runLogged('apt-get', args, { env: APT_ENV, logFile: ctx.logFile, timeoutMs: 30 * 60_000 });
  }
  if (code !== 0) throw await aptFailure(ctx, command, code);
}

export async function missingPackages(packages: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const name of packages) {
    const result = await capture('dpkg-query', ['-W', `-f=\${Status}`, name], { timeoutMs: 30_000 });
    if (result.code !== 0 || !result.stdout.includes('install ok installed')) missing.push(name);
  }
  return missing;
}

/**
 * cloud-init from Debian without installing it: download the exact .deb, unpack it under `dir/root`, and
 * make sure the system Python has the python3-* modules it imports (those do get installed, as root).
 */
export async function extractDeb(
  dir: string,
  pkg: string,
  version: string,
  bin: string,
  ctx: AptContext & { workDir: string },
): Promise<MarkerInput> {
  await ensureAptLists(ctx);
  const spec = `${pkg}=${version}`;
  let code = await ctx.progress.phase(`apt-get download ${spec}`, () =>
    runLogged('apt-get', ['download', spec], {
      cwd: ctx.workDir,
      env: APT_ENV,
      logFile: ctx.logFile,
      timeoutMs: 15 * 60_000,
    }),
  );
  if (code !== 0 && ctx.isRoot) {
    await ensureAptLists(ctx, true);
    code = await runLogged('apt-get', ['download', spec], {
      cwd: ctx.workDir,
      env: APT_ENV,
      logFile: ctx.logFile,
    });
  }
  if (code !== 0) {
    const tail = await tailLines(ctx.logFile, 6);
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_APT_FAILED',
      `${ctx.subject}: could not download ${spec} from the Debian archive:\n${tail.map((l) => `    ${l}`).join('\n')}`,
      {
        hint: `check \`apt-cache policy ${pkg}\`: if ${version} is gone from the archive, pin the version it lists in mise.toml [_.infra.debian]`,
      },
    );
  }
  const debs = (await readdir(ctx.workDir)).filter(
    (name) => name.startsWith(`${pkg}_`) && name.endsWith('.deb'),
  );
  if (debs.length !== 1)
    throw new Error(`expected one ${pkg} .deb in ${ctx.workDir}, found ${debs.join(', ') || 'none'}`);
  const deb = join(ctx.workDir, debs[0]!);
  code = await ctx.progress.phase(`dpkg-deb -x ${debs[0]}`, () =>
    runLogged('dpkg-deb', ['-x', deb, join(dir, 'root')], { logFile: ctx.logFile }),
  );
  if (code !== 0) throw await aptFailure(ctx, `dpkg-deb -x ${deb}`, code);
  const depends = await capture('dpkg-deb', ['-f', deb, 'Depends']);
  await writeFile(join(dir, DEPENDS_FILE), depends.stdout);
  const needed = await missingPackages(pythonDependencies(depends.stdout));
  await aptInstall(needed, ctx, `${pkg} (run from the cache with the system python3)`);
  return {
    id: pkg,
    version,
    method: 'apt-get download',
    origin: `Debian (${spec})`,
    bins: { [bin]: join('root', 'usr', 'bin', bin) },
    extra: {
      pythonPath: join('root', 'usr', 'lib', 'python3', 'dist-packages'),
      interpreter: '/usr/bin/python3',
    },
  };
}
