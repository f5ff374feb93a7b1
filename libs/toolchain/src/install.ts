import { mkdir, readFile } from 'node:fs/promises';
import { log as defaultLog, InfraError, type Logger, writeFileAtomic } from '@infra/core';
import { type ArchiveNeed, archiveNeed } from './archives';
import { locateArchiveSource, verifyArchives } from './archives-io';
import { renderContainersConf } from './containers-conf';
import type { ToolchainErrorCode } from './error-codes';
import { gatherFacts, readToolMarker } from './facts';
import { aptInstall } from './installers/debian';
import { findPython, type PythonInterpreter } from './installers/python';
import { ensureKubeconformSchemas } from './kubernetes-schemas-io';
import { loadManifest } from './load';
import { acquireInstallLock } from './lock';
import type { ToolSpec } from './manifest';
import { type ObtainContext, obtain } from './obtain';
import { originOf } from './origin';
import { type CacheLayout, cacheLayout } from './paths';
import { type Decision, planTools, selectTools } from './plan';
import { createProgress, formatSeconds } from './progress';
import type { Resolution } from './shim-plan';
import { shimSpecsFor } from './shim-plan';
import { syncShims } from './shims-io';
import { writeState } from './state';
import { removeStaleTemps } from './store';
import { writeTofuCliConfig } from './tofu-config-io';

export interface InstallOptions {
  /** Repo root holding mise.toml. */
  root: string;
  /** Tool names (mise.toml keys, ids or command names); empty = everything pinned. */
  tools?: readonly string[];
  /** Rebuild cached tools. */
  force?: boolean;
  layout?: CacheLayout;
  logger?: Logger;
  /** Go builds at once; default 2 (downloads of one overlap the compile of another). */
  jobs?: number;
}

export type RowStatus = 'bootstrap' | 'PATH' | 'cached' | 'installed' | 'registry' | 'failed' | 'unavailable';

export interface InstallRow {
  tool: string;
  version: string;
  status: RowStatus;
  /** How the binary in use was obtained: PATH, go install, go build, pip, apt-get download, apt-get install... */
  obtained: string;
  /** Where it came from: Go module proxy (module@v), source archive (path, verified sha256), PyPI, Debian... */
  origin: string;
  seconds: number;
  where: string;
  optional: boolean;
  message?: string;
}

export interface InstallResult {
  manifest: string;
  rows: InstallRow[];
  /** Required tools that failed; the CLI exits non-zero when there is any. */
  failures: InfraError[];
  /** Optional tools that could not be obtained. */
  warnings: string[];
  seconds: number;
}

function toInfraError(spec: ToolSpec, error: unknown): InfraError {
  if (error instanceof InfraError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InfraError<ToolchainErrorCode>(
    'TOOLCHAIN_INSTALL_FAILED',
    `${spec.id} ${spec.version}: ${message}`,
    {
      hint: 'rerun with INFRA_DEBUG=1 for details; nothing half-installed was left behind',
      cause: error,
    },
  );
}

/** Packer first, then by measured cold build time, longest first (stable for ties). */
export function orderGoBuilds(decisions: readonly Decision[]): Decision[] {
  const seconds = (d: Decision) => ('go' in d.spec.recipe ? (d.spec.recipe.go.coldSeconds ?? 60) : 0);
  return [...decisions].sort(
    (a, b) => Number(b.spec.id === 'packer') - Number(a.spec.id === 'packer') || seconds(b) - seconds(a),
  );
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function writeIfChanged(path: string, content: string): Promise<void> {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current !== content) await writeFileAtomic(path, content, { mode: 0o644 });
}

/** Data other tools read, derived from an installed package: kubernetes-validate's schemas for kubeconform. */
async function deriveData(
  decisions: readonly Decision[],
  resolutions: ReadonlyMap<string, Resolution>,
  layout: CacheLayout,
  logger: Logger,
  failures: InfraError[],
): Promise<void> {
  for (const d of decisions) {
    const { recipe } = d.spec;
    const resolution = resolutions.get(d.spec.id);
    if (recipe.kind !== 'pip' || recipe.derived !== 'kubeconform-schemas' || resolution?.from !== 'cache')
      continue;
    const started = Date.now();
    try {
      const schemas = await ensureKubeconformSchemas(layout, d.spec.version, resolution.home);
      if (schemas.built) {
        logger.info(
          `kubeconform schemas from kubernetes-validate ${d.spec.version} in ${schemas.dir} (${formatSeconds(Date.now() - started)})`,
        );
      }
    } catch (error) {
      failures.push(toInfraError(d.spec, error));
    }
  }
}

async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const workers = Array.from({ length: Math.max(1, Math.min(size, queue.length)) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  });
  await Promise.all(workers);
}

export async function installToolchain(options: InstallOptions): Promise<InstallResult> {
  const started = Date.now();
  const layout = options.layout ?? cacheLayout();
  const logger = options.logger ?? defaultLog;
  const { file, specs: allSpecs } = await loadManifest(options.root);
  const { selected, unknown } = selectTools(allSpecs, options.tools ?? []);
  if (unknown.length > 0) {
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_UNKNOWN_TOOL',
      `not pinned in ${file}: ${unknown.join(', ')}`,
      {
        hint: `pinned tools: ${allSpecs.map((s) => s.id).join(', ')}`,
      },
    );
  }
  await mkdir(layout.binDir, { recursive: true });
  await mkdir(layout.packerPluginDir, { recursive: true });
  const lock = await acquireInstallLock(layout.lockFile);
  try {
    await removeStaleTemps(layout.toolsDir, layout.workDir);
    const python = await findPython().catch((error: unknown) => error as InfraError);
    const interpreter: PythonInterpreter | undefined = python instanceof Error ? undefined : python;
    const facts = await gatherFacts(selected, layout, interpreter, allSpecs);
    const archiveSource = locateArchiveSource(options.root);
    const decisions = planTools(selected, facts, {
      force: options.force ?? false,
      archivesFromRegistry: archiveSource.kind === 'registry',
    });
    // Every archive this run builds from is checked before anything is built: one error, nothing started.
    const needs = decisions
      .filter((d) => d.action === 'build')
      .map((d) => archiveNeed(d.spec))
      .filter((need): need is ArchiveNeed => need !== undefined);
    const archives = await verifyArchives(archiveSource, needs);

    const resolutions = new Map<string, Resolution>();
    const rows = new Map<string, InstallRow>();
    const failures: InfraError[] = [];
    const warnings: string[] = [];
    const ctx: ObtainContext = {
      layout,
      resolutions,
      python,
      allSpecs,
      isRoot: process.getuid?.() === 0,
      force: options.force ?? false,
      logger,
      archives,
      ready: new Map(),
    };

    const row = (
      d: Decision,
      status: RowStatus,
      obtained: string,
      seconds: number,
      where: string,
      message?: string,
    ) => {
      const resolution = resolutions.get(d.spec.id);
      const marker = resolution?.from === 'cache' ? resolution.marker : undefined;
      rows.set(d.spec.id, {
        tool: d.spec.id,
        version: d.spec.version,
        status,
        obtained,
        origin: status === 'failed' || status === 'unavailable' ? '-' : originOf(d.spec, obtained, marker),
        seconds,
        where,
        optional: d.spec.optional,
        ...(message ? { message } : {}),
      });
    };

    for (const d of decisions) {
      if (d.action === 'bootstrap') row(d, 'bootstrap', 'tools/bootstrap.sh', 0, process.execPath);
      if (d.action === 'registry') row(d, 'registry', 'registry', 0, '-');
      if (d.action === 'path') {
        const obtained = d.spec.recipe.kind === 'deb-system' ? 'system' : 'PATH';
        resolutions.set(d.spec.id, { from: 'path', binary: d.pathBinary!, obtained });
        row(d, 'PATH', obtained, 0, d.pathBinary!);
      }
      if (d.action === 'cache') {
        const installed = await readToolMarker(d.spec, layout, interpreter, allSpecs);
        if (installed) {
          resolutions.set(d.spec.id, { from: 'cache', home: installed.home, marker: installed.marker });
          row(d, 'cached', installed.marker.method, 0, installed.home);
        }
      }
    }

    const run = async (d: Decision) => {
      const t0 = Date.now();
      try {
        const resolution = await obtain(d.spec, ctx);
        resolutions.set(d.spec.id, resolution);
        const where = resolution.from === 'path' ? resolution.binary : resolution.home;
        const obtained = resolution.from === 'path' ? resolution.obtained : resolution.marker.method;
        row(d, 'installed', obtained, (Date.now() - t0) / 1000, where);
      } catch (error) {
        const failure = toInfraError(d.spec, error);
        const seconds = (Date.now() - t0) / 1000;
        if (d.spec.optional) {
          const why = d.spec.reason ? ` (mise.toml: ${d.spec.reason})` : '';
          const first = failure.message.split('\n')[0];
          warnings.push(`${d.spec.id} ${d.spec.version} is optional and was not installed${why}: ${first}`);
          row(d, 'unavailable', '-', seconds, '-', failure.message.split('\n')[0]);
        } else {
          failures.push(failure);
          row(d, 'failed', '-', seconds, '-', failure.message.split('\n')[0]);
        }
      }
    };

    const toBuild = decisions.filter((d) => d.action === 'build');
    const kindIs = (...kinds: string[]) => toBuild.filter((d) => kinds.includes(d.spec.recipe.kind));
    const goLane = async () => {
      // One pool for every Go build: packer first (the plugins' install step waits for it, ctx.ready), then
      // the longest builds first, so the last one to start is a short one.
      const goTools = orderGoBuilds(kindIs('go', 'provider', 'packer-plugin'));
      const done = new Map(goTools.map((d) => [d.spec.id, deferred()]));
      for (const [id, gate] of done) ctx.ready.set(id, gate.promise);
      await pool(goTools, options.jobs ?? 2, async (d) => {
        try {
          await run(d);
        } finally {
          done.get(d.spec.id)?.resolve();
        }
      });
    };
    const pythonLane = async () => {
      // One venv serves every pip tool; build it once, then each pip tool resolves to it.
      const pips = kindIs('pip');
      if (pips.length === 0) return;
      await run(pips[0]!);
      for (const d of pips.slice(1)) {
        const first = resolutions.get(pips[0]!.spec.id);
        if (first) {
          resolutions.set(d.spec.id, first);
          row(d, 'installed', 'pip', 0, first.from === 'cache' ? first.home : '-');
        } else {
          row(d, 'failed', '-', 0, '-', `the venv for ${pips[0]!.spec.id} failed`);
        }
      }
    };
    const aptLane = async () => {
      // dpkg takes one lock: Debian work runs in sequence, the system packages in one apt-get install.
      const debs = kindIs('deb-extract', 'deb-system');
      const system = debs.flatMap((d) =>
        d.spec.recipe.kind === 'deb-system' ? [d.spec.recipe.package] : [],
      );
      if (system.length > 1 && ctx.isRoot) {
        const aptContext = {
          logFile: layout.logFile('debian', 'system'),
          progress: createProgress('debian packages', { logger }),
          subject: 'debian packages',
          isRoot: true,
        };
        // A failure here is reported per package by run() below, with its own log.
        await aptInstall(system, aptContext, 'the toolchain').catch(() => undefined);
      }
      for (const d of debs) await run(d);
    };
    if (toBuild.length > 0) {
      logger.step(
        `obtaining ${toBuild.length} tool(s): ${toBuild.map((d) => `${d.spec.id} ${d.spec.version}`).join(', ')}`,
      );
    }
    await Promise.all([goLane(), pythonLane(), aptLane()]);
    await deriveData(decisions, resolutions, layout, logger, failures);

    const shims = decisions.flatMap((d) => {
      const resolution = resolutions.get(d.spec.id);
      return resolution ? shimSpecsFor(d.spec, resolution, layout) : [];
    });
    const full = (options.tools ?? []).length === 0;
    const keep = new Set(allSpecs.flatMap((s) => ('bins' in s.recipe ? [...s.recipe.bins] : [])));
    const synced = await syncShims(layout.binDir, shims, { prune: full, keep });
    if (synced.written.length > 0) logger.info(`shims written: ${synced.written.join(', ')}`);
    if (synced.removed.length > 0)
      logger.info(`shims removed (no longer pinned): ${synced.removed.join(', ')}`);
    await writeTofuCliConfig(allSpecs, layout, file);
    if (allSpecs.some((spec) => spec.id === 'podman')) {
      await writeIfChanged(layout.containersConf, renderContainersConf(file));
    }
    await writeState(layout, file, decisions, resolutions);

    const ordered = decisions.map((d) => rows.get(d.spec.id)).filter((r): r is InstallRow => r !== undefined);
    return { manifest: file, rows: ordered, failures, warnings, seconds: (Date.now() - started) / 1000 };
  } finally {
    await lock.release();
  }
}

/** A fixed-width text table of the rows, for the terminal. */
export function renderInstallTable(result: InstallResult): string {
  const header = ['tool', 'version', 'status', 'time', 'origin', 'where'];
  const body = result.rows.map((r) => [
    r.tool,
    r.version,
    r.optional && r.status === 'unavailable' ? 'unavailable (optional)' : r.status,
    r.seconds > 0 ? formatSeconds(r.seconds * 1000) : '-',
    r.origin,
    r.where,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...body.map(line), '', `total ${formatSeconds(result.seconds * 1000)}`].join('\n');
}
