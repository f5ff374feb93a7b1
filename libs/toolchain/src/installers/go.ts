import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InfraError, log } from '@infra/core';
import { sha256File } from '../archives-io';
import type { GoBuild } from '../catalog';
import type { ToolchainErrorCode } from '../error-codes';
import { capture, runLogged, tailLines } from '../exec';
import type { Progress } from '../progress';
import { goBuildEnv, goBuildFlags, goModEditArgs, moduleAt } from './go-args';

export interface GoBuildContext {
  /** Scratch directory for source copies (removed afterwards). */
  workDir: string;
  logFile: string;
  progress: Progress;
  /** Tool name and version for messages. */
  subject: string;
  env?: NodeJS.ProcessEnv;
  /** For `archive` recipes: the archive, already checked against its pin (checked again before use). */
  archive?: { path: string; sha256: string };
}

/** How a build went: the method, and where the source came from (doctor shows it). */
export interface GoBuildResult {
  method: 'go install' | 'go build';
  origin: string;
}

/** A binary to produce: package path in the module and where to write it. */
export interface GoOutput {
  pkg: string;
  output: string;
}

/** One `go env GOVERSION` per PATH: every Go build needs the toolchain, and a missing one is one clear error. */
const goChecks = new Map<string, Promise<string>>();

export async function goVersion(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const result = await capture('go', ['env', 'GOVERSION'], { env, timeoutMs: 30_000 });
  if (result.code !== 0 || !result.stdout.trim()) {
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_GO_MISSING',
      'the Go toolchain (`go`) is needed to build the Go tools but was not found',
      {
        hint: 'install Go >= 1.26.6 (Debian bookworm only has 1.19, too old) and put it on PATH, then rerun',
      },
    );
  }
  return result.stdout.trim();
}

/** `go mod download -json` output: the module's directory in GOMODCACHE, or the proxy's refusal. */
export function parseModDownload(json: string): { dir?: string; error?: string } {
  try {
    const parsed = JSON.parse(json) as { Dir?: unknown; Error?: unknown };
    return {
      ...(typeof parsed.Dir === 'string' ? { dir: parsed.Dir } : {}),
      ...(typeof parsed.Error === 'string' ? { error: parsed.Error } : {}),
    };
  } catch {
    return { error: json.trim() || 'go mod download printed nothing' };
  }
}

/** True when the proxy will not serve the module at all (403/404/410), as opposed to a network hiccup. */
export function isProxyRefusal(message: string): boolean {
  return /\b(403 Forbidden|404 Not Found|410 Gone)\b|not available|unknown revision|invalid version/i.test(
    message,
  );
}

/** go install refuses modules with replace directives, and needs the version list for deprecation notices. */
export function needsSourceBuild(log: string): boolean {
  return /contains one or more replace directives|loading deprecation|@v\/list: 403/.test(log);
}

async function buildFailure(ctx: GoBuildContext, what: string, code: number): Promise<InfraError> {
  const tail = await tailLines(ctx.logFile, 15);
  return new InfraError<ToolchainErrorCode>(
    'TOOLCHAIN_BUILD_FAILED',
    `${ctx.subject}: ${what} failed (exit ${code}); last lines of ${ctx.logFile}:\n${tail.map((l) => `    ${l}`).join('\n')}`,
    {
      hint: `read the full log at ${ctx.logFile}; nothing was installed, so rerunning is safe`,
      details: { log: ctx.logFile },
    },
  );
}

/** `go install module/pkg@vX` into a temporary GOBIN, then each binary lands at its output path. */
async function goInstall(
  go: GoBuild,
  version: string,
  outputs: readonly GoOutput[],
  ctx: GoBuildContext,
): Promise<number> {
  const gobin = join(ctx.workDir, `gobin-${randomBytes(4).toString('hex')}`);
  await mkdir(gobin, { recursive: true });
  const targets = go.packages.map((p) => `${join(go.module, p.pkg)}@v${version}`);
  const env = { ...goBuildEnv(ctx.env), GOBIN: gobin };
  const code = await ctx.progress.phase(`go install ${targets.join(' ')}`, () =>
    runLogged('go', ['install', ...goBuildFlags(go, version), ...targets], { env, logFile: ctx.logFile }),
  );
  if (code === 0) {
    for (const [index, pkg] of go.packages.entries()) {
      await mkdir(dirname(outputs[index]!.output), { recursive: true });
      await rename(join(gobin, pkg.bin), outputs[index]!.output);
    }
  }
  await rm(gobin, { recursive: true, force: true });
  return code;
}

/** Runs one go command in the source tree; `what` names it in the failure, `label` in the progress lines. */
async function run(
  ctx: GoBuildContext,
  what: string,
  args: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv; label?: string },
): Promise<void> {
  const code = await ctx.progress.phase(options.label ?? what, () =>
    runLogged('go', args, {
      cwd: options.cwd,
      env: options.env,
      logFile: ctx.logFile,
      timeoutMs: 60 * 60_000,
    }),
  );
  if (code !== 0) throw await buildFailure(ctx, what, code);
}

/** `go mod download -json module@vX`: the module's (read-only) directory in GOMODCACHE. */
async function downloadModule(ctx: GoBuildContext, module: string, version: string): Promise<string> {
  const target = moduleAt(module, version);
  const download = await ctx.progress.phase(`go mod download ${target}`, () =>
    capture('go', ['mod', 'download', '-json', target], { env: goBuildEnv(ctx.env), timeoutMs: 30 * 60_000 }),
  );
  const { dir, error } = parseModDownload(download.stdout || download.stderr);
  if (dir) return dir;
  const message = error ?? download.stderr.trim();
  throw new InfraError<ToolchainErrorCode>(
    isProxyRefusal(message) ? 'TOOLCHAIN_SOURCE_UNAVAILABLE' : 'TOOLCHAIN_BUILD_FAILED',
    `${ctx.subject}: the Go module proxy did not provide ${target}: ${message}`,
    {
      hint: isProxyRefusal(message)
        ? 'the proxy refuses this module version; pin a version it serves, or build it from a source archive (method "archive" in catalog.ts)'
        : 'check the network access to the Go module proxy (GOPROXY) and rerun',
    },
  );
}

/** A writable copy of a read-only directory (the module cache is read-only; a build may touch go.mod/go.sum). */
async function copyWritable(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  const copied = await capture('cp', ['-R', from, to]);
  if (copied.code !== 0) throw new Error(`copying ${from}: ${copied.stderr}`);
  await capture('chmod', ['-R', 'u+w', to]);
}

/** Unpacks a `git archive` tarball (one top-level directory) into `to`, after checking its sha256 again. */
async function unpackArchive(ctx: GoBuildContext, archive: { path: string; sha256: string }, to: string) {
  const actual = await sha256File(archive.path);
  if (actual !== archive.sha256) {
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_ARCHIVE_INVALID',
      `${ctx.subject}: ${archive.path} changed while installing: sha256 ${actual ?? '(file gone)'}, expected ${archive.sha256}`,
      { hint: 'put back the unmodified archive and rerun' },
    );
  }
  await mkdir(to, { recursive: true });
  const code = await ctx.progress.phase(`unpack ${basename(archive.path)}`, () =>
    runLogged('tar', ['-xzf', archive.path, '-C', to, '--strip-components=1'], { logFile: ctx.logFile }),
  );
  if (code !== 0) throw await buildFailure(ctx, `tar -xzf ${archive.path}`, code);
}

/**
 * Builds a writable source tree of the module (from the proxy, or from its archive) as the main module: the
 * nested modules the zip leaves out are copied in, the recipe's go.mod edits applied, then each package is
 * built. Same go.mod and go.sum as upstream apart from those edits.
 */
async function goSourceBuild(
  go: GoBuild,
  version: string,
  outputs: readonly GoOutput[],
  ctx: GoBuildContext,
): Promise<string> {
  const env = goBuildEnv(ctx.env);
  const src = join(ctx.workDir, `src-${randomBytes(4).toString('hex')}`);
  let origin: string;
  try {
    if (go.method === 'archive') {
      if (!ctx.archive) throw new Error(`${ctx.subject}: no verified source archive was handed to the build`);
      await unpackArchive(ctx, ctx.archive, src);
      origin = `source archive ${ctx.archive.path} (sha256 ${ctx.archive.sha256}, verified)`;
    } else {
      await copyWritable(await downloadModule(ctx, go.module, version), src);
      origin = `Go module proxy (${moduleAt(go.module, version)})`;
    }
    for (const nested of go.nestedModules ?? []) {
      const target = join(src, nested.dir);
      await rm(target, { recursive: true, force: true });
      await copyWritable(await downloadModule(ctx, nested.module, version), target);
    }
    const edit = goModEditArgs(go.modEdits);
    if (edit) await run(ctx, `go ${edit.join(' ')}`, edit, { cwd: src, env });
    if (go.modEdits?.tidy) await run(ctx, 'go mod tidy', ['mod', 'tidy'], { cwd: src, env });
    for (const [index, pkg] of go.packages.entries()) {
      const output = outputs[index]!.output;
      await mkdir(dirname(output), { recursive: true });
      await run(ctx, `go build ${pkg.pkg}`, ['build', ...goBuildFlags(go, version), '-o', output, pkg.pkg], {
        cwd: src,
        env,
        label: `go build ${pkg.pkg} (${moduleAt(go.module, version)})`,
      });
    }
  } finally {
    await rm(src, { recursive: true, force: true });
  }
  return origin;
}

/** Builds every package of a recipe to its output path. Returns the method actually used. */
export async function buildGo(
  go: GoBuild,
  version: string,
  outputs: readonly GoOutput[],
  ctx: GoBuildContext,
): Promise<GoBuildResult> {
  const pathKey = (ctx.env ?? process.env).PATH ?? '';
  let check = goChecks.get(pathKey);
  if (!check) {
    check = goVersion(ctx.env);
    goChecks.set(pathKey, check);
  }
  await check.catch((error: unknown) => {
    goChecks.delete(pathKey);
    throw error;
  });
  await mkdir(ctx.workDir, { recursive: true });
  await rm(ctx.logFile, { force: true });
  if (go.method === 'install') {
    const code = await goInstall(go, version, outputs, ctx);
    if (code === 0)
      return { method: 'go install', origin: `Go module proxy (${moduleAt(go.module, version)})` };
    const logText = (await tailLines(ctx.logFile, 200)).join('\n');
    if (!needsSourceBuild(logText)) throw await buildFailure(ctx, 'go install', code);
    log.warn(
      `${ctx.subject}: go install is not possible here (see ${ctx.logFile}); building the module source instead`,
    );
  }
  return { method: 'go build', origin: await goSourceBuild(go, version, outputs, ctx) };
}
