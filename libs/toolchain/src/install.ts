import { mkdir } from 'node:fs/promises';
import { log as defaultLog, InfraError, type Logger } from '@infra/core';
import { gatherFacts, readToolMarker } from './facts';
import { findPython, type PythonInterpreter } from './installers/python';
import { loadManifest } from './load';
import { acquireInstallLock } from './lock';
import type { ToolSpec } from './manifest';
import { type ObtainContext, obtain } from './obtain';
import { type CacheLayout, cacheLayout } from './paths';
import { type Decision, planTools, selectTools } from './plan';
import { formatSeconds } from './progress';
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

export type RowStatus = 'bootstrap' | 'PATH' | 'cached' | 'installed' | 'failed' | 'unavailable';

export interface InstallRow {
  tool: string;
  version: string;
  status: RowStatus;
  /** How the binary in use was obtained: PATH, go install, go build, pip, apt-get download, apt-get install... */
  obtained: string;
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
  return new InfraError('TOOLCHAIN_INSTALL_FAILED', `${spec.id} ${spec.version}: ${message}`, {
    hint: 'rerun with INFRA_DEBUG=1 for details; nothing half-installed was left behind',
    cause: error,
  });
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
    throw new InfraError('TOOLCHAIN_UNKNOWN_TOOL', `not pinned in ${file}: ${unknown.join(', ')}`, {
      hint: `pinned tools: ${allSpecs.map((s) => s.id).join(', ')}`,
    });
  }
  await mkdir(layout.binDir, { recursive: true });
  await mkdir(layout.packerPluginDir, { recursive: true });
  const lock = await acquireInstallLock(layout.lockFile);
  try {
    await removeStaleTemps(layout.toolsDir, layout.workDir);
    const python = await findPython().catch((error: unknown) => error as InfraError);
    const interpreter: PythonInterpreter | undefined = python instanceof Error ? undefined : python;
    const facts = await gatherFacts(selected, layout, interpreter, allSpecs);
    const decisions = planTools(selected, facts, { force: options.force ?? false });

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
    };

    const row = (
      d: Decision,
      status: RowStatus,
      obtained: string,
      seconds: number,
      where: string,
      message?: string,
    ) =>
      rows.set(d.spec.id, {
        tool: d.spec.id,
        version: d.spec.version,
        status,
        obtained,
        seconds,
        where,
        optional: d.spec.optional,
        ...(message ? { message } : {}),
      });

    for (const d of decisions) {
      if (d.action === 'bootstrap') row(d, 'bootstrap', 'tools/bootstrap.sh', 0, process.execPath);
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
      // Packer first among the Go tools: the plugin install needs it.
      const goTools = kindIs('go', 'provider').sort(
        (a, b) => Number(b.spec.id === 'packer') - Number(a.spec.id === 'packer'),
      );
      await pool(goTools, options.jobs ?? 2, run);
      for (const d of kindIs('packer-plugin')) await run(d);
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
      // dpkg takes one lock: Debian work runs in sequence.
      for (const d of kindIs('deb-extract', 'deb-system')) await run(d);
    };
    if (toBuild.length > 0) {
      logger.step(
        `obtaining ${toBuild.length} tool(s): ${toBuild.map((d) => `${d.spec.id} ${d.spec.version}`).join(', ')}`,
      );
    }
    await Promise.all([goLane(), pythonLane(), aptLane()]);

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
    await writeState(layout, file, decisions, resolutions);

    const ordered = decisions.map((d) => rows.get(d.spec.id)).filter((r): r is InstallRow => r !== undefined);
    return { manifest: file, rows: ordered, failures, warnings, seconds: (Date.now() - started) / 1000 };
  } finally {
    await lock.release();
  }
}

/** A fixed-width text table of the rows, for the terminal. */
export function renderInstallTable(result: InstallResult): string {
  const header = ['tool', 'version', 'status', 'obtained', 'time', 'where'];
  const body = result.rows.map((r) => [
    r.tool,
    r.version,
    r.optional && r.status === 'unavailable' ? 'unavailable (optional)' : r.status,
    r.obtained,
    r.seconds > 0 ? formatSeconds(r.seconds * 1000) : '-',
    r.where,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...body.map(line), '', `total ${formatSeconds(result.seconds * 1000)}`].join('\n');
}
