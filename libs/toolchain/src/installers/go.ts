import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InfraError, log } from '@infra/core';
import type { GoBuild } from '../catalog';
import { capture, runLogged, tailLines } from '../exec';
import type { Progress } from '../progress';

export interface GoBuildContext {
  /** Scratch directory for source copies (removed afterwards). */
  workDir: string;
  logFile: string;
  progress: Progress;
  /** Tool name and version for messages. */
  subject: string;
  env?: NodeJS.ProcessEnv;
}

/** A binary to produce: package path in the module and where to write it. */
export interface GoOutput {
  pkg: string;
  output: string;
}

/**
 * The environment of every Go build: static binaries, the user's GOPROXY/GOMODCACHE/GOCACHE (shared, so one
 * download and one compile cache serve every tool), and GOFLAGS replaced so a user's -mod=vendor or similar
 * cannot change what is built.
 */
export function goBuildEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, CGO_ENABLED: '0', GOFLAGS: '-mod=mod -buildvcs=false' };
}

/** One `go env GOVERSION` per PATH: every Go build needs the toolchain, and a missing one is one clear error. */
const goChecks = new Map<string, Promise<string>>();

export async function goVersion(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const result = await capture('go', ['env', 'GOVERSION'], { env, timeoutMs: 30_000 });
  if (result.code !== 0 || !result.stdout.trim()) {
    throw new InfraError(
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
  return new InfraError(
    'TOOLCHAIN_BUILD_FAILED',
    `${ctx.subject}: ${what} failed (exit ${code}); last lines of ${ctx.logFile}:\n${tail.map((l) => `    ${l}`).join('\n')}`,
    {
      hint: `read the full log at ${ctx.logFile}; nothing was installed, so rerunning is safe`,
      details: { log: ctx.logFile },
    },
  );
}

function ldflagArgs(go: GoBuild, version: string): string[] {
  const flags = go.ldflags?.(version) ?? [];
  return ['-trimpath', ...(flags.length > 0 ? ['-ldflags', flags.join(' ')] : [])];
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
    runLogged('go', ['install', ...ldflagArgs(go, version), ...targets], { env, logFile: ctx.logFile }),
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

/** Downloads the module zip and builds a writable copy of it as the main module. */
async function goSourceBuild(
  go: GoBuild,
  version: string,
  outputs: readonly GoOutput[],
  ctx: GoBuildContext,
): Promise<void> {
  const env = goBuildEnv(ctx.env);
  const download = await ctx.progress.phase(`go mod download ${go.module}@v${version}`, () =>
    capture('go', ['mod', 'download', '-json', `${go.module}@v${version}`], { env, timeoutMs: 30 * 60_000 }),
  );
  const { dir, error } = parseModDownload(download.stdout || download.stderr);
  if (!dir) {
    const message = error ?? download.stderr.trim();
    throw new InfraError(
      isProxyRefusal(message) ? 'TOOLCHAIN_SOURCE_UNAVAILABLE' : 'TOOLCHAIN_BUILD_FAILED',
      `${ctx.subject}: the Go module proxy did not provide ${go.module}@v${version}: ${message}`,
      {
        hint: isProxyRefusal(message)
          ? 'the proxy refuses this module version; pin a version it serves, or mark the entry optional in mise.toml'
          : 'check the network access to the Go module proxy (GOPROXY) and rerun',
      },
    );
  }
  const src = join(ctx.workDir, `src-${randomBytes(4).toString('hex')}`);
  try {
    // The module cache is read-only, and a main-module build may need to touch go.mod/go.sum.
    const copied = await capture('cp', ['-R', dir, src]);
    if (copied.code !== 0) throw new Error(`copying ${dir}: ${copied.stderr}`);
    await capture('chmod', ['-R', 'u+w', src]);
    for (const [index, pkg] of go.packages.entries()) {
      const output = outputs[index]!.output;
      await mkdir(dirname(output), { recursive: true });
      const code = await ctx.progress.phase(`go build ${pkg.pkg} (${go.module}@v${version})`, () =>
        runLogged('go', ['build', ...ldflagArgs(go, version), '-o', output, pkg.pkg], {
          env,
          cwd: src,
          logFile: ctx.logFile,
        }),
      );
      if (code !== 0) throw await buildFailure(ctx, `go build ${pkg.pkg}`, code);
    }
  } finally {
    await rm(src, { recursive: true, force: true });
  }
}

/** Builds every package of a recipe to its output path. Returns the method actually used. */
export async function buildGo(
  go: GoBuild,
  version: string,
  outputs: readonly GoOutput[],
  ctx: GoBuildContext,
): Promise<'go install' | 'go build'> {
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
    if (code === 0) return 'go install';
    const logText = (await tailLines(ctx.logFile, 200)).join('\n');
    if (!needsSourceBuild(logText)) throw await buildFailure(ctx, 'go install', code);
    log.warn(
      `${ctx.subject}: go install is not possible here (see ${ctx.logFile}); building the module source instead`,
    );
  }
  await goSourceBuild(go, version, outputs, ctx);
  return 'go build';
}
