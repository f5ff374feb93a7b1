import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toolchainEnv } from './env';
import { capture } from './exec';
import { readToolMarker } from './facts';
import { installedPackerPlugin } from './installers/packer-plugin';
import { loadManifest } from './load';
import type { ToolSpec } from './manifest';
import { type CacheLayout, cacheLayout, providerMirror } from './paths';
import { versionMatches } from './plan';
import { findOnPath, probeVersion } from './probe';
import { readState } from './state';

export type DoctorStatus = 'ok' | 'missing' | 'mismatch' | 'optional-missing';

export interface DoctorRow {
  tool: string;
  pinned: string;
  /** What the tool reports (through its shim), or null when it could not be run. */
  found: string | null;
  status: DoctorStatus;
  /** The binary (or directory) in use. */
  path: string | null;
  /** PATH, system, go install, go build, pip, apt-get download, apt-get install, bootstrap. */
  obtained: string | null;
  /** What to run when the status is not ok. */
  fix?: string;
}

export interface DoctorReport {
  manifest: string;
  ok: boolean;
  rows: DoctorRow[];
}

const exists = (path: string) =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );

async function checkTool(spec: ToolSpec, layout: CacheLayout, ctx: DoctorContext): Promise<DoctorRow> {
  const { recipe } = spec;
  const installFix = `pnpm tsx scripts/toolchain.ts install ${spec.id}`;
  const state = ctx.state?.tools[spec.id];
  const base = { tool: spec.id, pinned: spec.version, obtained: state?.obtained ?? null };
  const absent = (path: string | null, fix: string): DoctorRow => ({
    ...base,
    found: null,
    path,
    status: spec.optional ? 'optional-missing' : 'missing',
    fix: spec.optional && spec.reason ? `${fix} (optional: ${spec.reason})` : fix,
  });

  if (recipe.kind === 'bootstrap') {
    const node = await findOnPath('node');
    if (!node) return absent(null, 'source tools/bootstrap.sh (./infra setup)');
    const { version } = await probeVersion(node, recipe.probe);
    const ok = versionMatches(recipe, spec.version, version);
    return {
      ...base,
      obtained: 'bootstrap',
      found: version ?? null,
      path: node,
      status: ok ? 'ok' : 'mismatch',
      ...(ok ? {} : { fix: 'source tools/bootstrap.sh so the pinned Node comes first on PATH' }),
    };
  }

  if (recipe.kind === 'provider') {
    const { binary, mirrorRoot } = providerMirror(layout, recipe.cacheName, recipe.address, spec.version);
    const installed = await readToolMarker(spec, layout, undefined, ctx.allSpecs);
    if (!installed || !(await exists(binary))) return absent(null, installFix);
    const config = await readFile(layout.tofuCliConfig, 'utf8').catch(() => '');
    if (!config.includes(mirrorRoot)) {
      return {
        ...base,
        found: installed.marker.version,
        path: binary,
        status: 'missing',
        fix: `${installFix} (regenerates ${layout.tofuCliConfig})`,
      };
    }
    return {
      ...base,
      obtained: installed.marker.method,
      found: installed.marker.version,
      path: binary,
      status: 'ok',
    };
  }

  if (recipe.kind === 'packer-plugin') {
    const plugin = await installedPackerPlugin(layout.packerPluginDir, recipe.source, spec.version);
    if (!plugin) return absent(null, installFix);
    const described = await capture(plugin, ['describe'], { timeoutMs: 30_000 });
    const version = /"version"\s*:\s*"([^"]+)"/.exec(described.stdout)?.[1];
    const ok = version === spec.version;
    return {
      ...base,
      found: version ?? null,
      path: plugin,
      status: ok ? 'ok' : 'mismatch',
      ...(ok ? {} : { fix: installFix }),
    };
  }

  for (const bin of recipe.bins) {
    if (!(await exists(join(layout.binDir, bin)))) return absent(join(layout.binDir, bin), installFix);
  }
  const shim = join(layout.binDir, recipe.probe.bin);
  const { version } = await probeVersion(shim, recipe.probe, { ...process.env, ...ctx.env });
  if (version === undefined) {
    return {
      ...absent(state?.where ?? shim, `${installFix} (the shim ${shim} did not report a version)`),
      found: null,
    };
  }
  const ok = versionMatches(recipe, spec.version, version);
  return {
    ...base,
    found: version,
    path: state?.where ?? shim,
    status: ok ? 'ok' : 'mismatch',
    ...(ok ? {} : { fix: installFix }),
  };
}

interface DoctorContext {
  env: Record<string, string>;
  state: Awaited<ReturnType<typeof readState>>;
  allSpecs: readonly ToolSpec[];
}

/** Checks every pinned tool through the same shims and files other libs use. Never installs anything. */
export async function doctor(options: { root: string; layout?: CacheLayout }): Promise<DoctorReport> {
  const layout = options.layout ?? cacheLayout();
  const { file, specs } = await loadManifest(options.root);
  const ctx: DoctorContext = {
    env: toolchainEnv({ layout }),
    state: await readState(layout),
    allSpecs: specs,
  };
  const rows: DoctorRow[] = new Array(specs.length);
  const queue = specs.map((spec, index) => ({ spec, index }));
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        rows[item.index] = await checkTool(item.spec, layout, ctx);
      }
    }),
  );
  return {
    manifest: file,
    ok: rows.every((r) => r.status === 'ok' || r.status === 'optional-missing'),
    rows,
  };
}

export function renderDoctorTable(report: DoctorReport): string {
  const header = ['tool', 'pinned', 'found', 'status', 'obtained', 'path'];
  const body = report.rows.map((r) => [
    r.tool,
    r.pinned,
    r.found ?? '-',
    r.status,
    r.obtained ?? '-',
    r.path ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const fixes = report.rows.filter((r) => r.fix).map((r) => `  ${r.tool}: ${r.fix}`);
  return [
    line(header),
    ...body.map(line),
    ...(fixes.length > 0 ? ['', 'to fix:', ...fixes] : []),
    '',
    report.ok ? 'toolchain ok' : 'toolchain incomplete',
  ].join('\n');
}
