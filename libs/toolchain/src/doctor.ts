import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { archiveNeed } from './archives';
import { locateArchiveSource } from './archives-io';
import { toolchainEnv } from './env';
import { capture } from './exec';
import { readToolMarker, venvVersionKey } from './facts';
import { installedPackerPlugin } from './installers/packer-plugin';
import { loadManifest } from './load';
import type { ToolSpec } from './manifest';
import { originOf } from './origin';
import { type CacheLayout, cacheLayout, providerMirror } from './paths';
import { versionMatches } from './plan';
import { findOnPath, probeVersion } from './probe';
import { readState } from './state';
import { type Marker, readMarker } from './store';

/** `registry`: not built here on purpose (INFRA_SOURCE_ARCHIVES=registry); tofu/packer init download it. */
export type DoctorStatus = 'ok' | 'missing' | 'mismatch' | 'optional-missing' | 'registry';

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
  /**
   * Where it came from: `Go module proxy (module@vX)`, `source archive <path> (sha256 <hex>, verified)`,
   * `PyPI`, `Debian (...)`, `registry (...)`, `PATH (...)`; null when it is not there.
   */
  origin: string | null;
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
  const installFix = `./infra toolchain install ${spec.id}`;
  const state = ctx.state?.tools[spec.id];
  const base = {
    tool: spec.id,
    pinned: spec.version,
    obtained: state?.obtained ?? null,
    origin: state ? originOf(spec, state.obtained) : null,
  };
  const absent = (path: string | null, fix: string): DoctorRow => {
    if (ctx.archivesFromRegistry && archiveNeed(spec)) {
      return {
        ...base,
        found: null,
        path: null,
        status: 'registry',
        obtained: 'registry',
        origin: originOf(spec, 'registry'),
      };
    }
    return {
      ...base,
      found: null,
      path,
      status: spec.optional ? 'optional-missing' : 'missing',
      fix: spec.optional && spec.reason ? `${fix} (optional: ${spec.reason})` : fix,
    };
  };
  const withMarker = (marker: Marker) => ({
    obtained: marker.method,
    origin: originOf(spec, marker.method, marker),
  });

  if (recipe.kind === 'bootstrap') {
    const node = await findOnPath('node');
    if (!node) return absent(null, 'source tools/bootstrap.sh (./infra setup)');
    const { version } = await probeVersion(node, recipe.probe);
    const ok = versionMatches(recipe, spec.version, version);
    return {
      ...base,
      obtained: 'bootstrap',
      origin: originOf(spec, 'bootstrap'),
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
      ...withMarker(installed.marker),
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
    const built = await readToolMarker(spec, layout, undefined, ctx.allSpecs);
    return {
      ...base,
      ...(built ? withMarker(built.marker) : {}),
      found: version ?? null,
      path: plugin,
      status: ok ? 'ok' : 'mismatch',
      ...(ok ? {} : { fix: installFix }),
    };
  }

  for (const bin of recipe.bins) {
    if (!(await exists(join(layout.binDir, bin)))) return absent(join(layout.binDir, bin), installFix);
  }
  let fromMarker = {};
  if (recipe.kind === 'pip') {
    const venv = state?.where;
    const marker = venv ? await readMarker(venv, venvVersionKey(ctx.allSpecs)) : undefined;
    if (!venv || !marker) return absent(venv ?? null, installFix);
    fromMarker = withMarker(marker);
    if (recipe.derived === 'kubeconform-schemas') {
      // Read through the stable link: it must lead to this version's complete tree.
      if (!(await readMarker(layout.kubernetesSchemas, spec.version))) {
        return absent(
          venv,
          `${installFix} (derives the kubeconform schemas into ${layout.kubernetesSchemas})`,
        );
      }
    }
    if (recipe.probe === 'distribution') {
      const version = await distributionVersion(venv, recipe.project);
      const ok = version === spec.version;
      return {
        ...base,
        ...fromMarker,
        found: version ?? null,
        path: venv,
        status: ok ? 'ok' : version === undefined ? 'missing' : 'mismatch',
        ...(ok ? {} : { fix: installFix }),
      };
    }
  }
  if (recipe.probe === 'distribution') throw new Error(`${spec.id}: a distribution probe needs a pip recipe`);
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
    ...fromMarker,
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
  /** INFRA_SOURCE_ARCHIVES=registry: archive-built tools are expected to come from the registry. */
  archivesFromRegistry: boolean;
}

/** The installed version of a PyPI distribution in a venv (for plugins with no command to ask). */
async function distributionVersion(venv: string, project: string): Promise<string | undefined> {
  const result = await capture(
    join(venv, 'bin', 'python'),
    ['-c', 'import sys, importlib.metadata as m; print(m.version(sys.argv[1]))', project],
    { timeoutMs: 60_000 },
  );
  return result.code === 0 ? result.stdout.trim() || undefined : undefined;
}

/** Checks every pinned tool through the same shims and files other libs use. Never installs anything. */
export async function doctor(options: { root: string; layout?: CacheLayout }): Promise<DoctorReport> {
  const layout = options.layout ?? cacheLayout();
  const { file, specs } = await loadManifest(options.root);
  const ctx: DoctorContext = {
    env: toolchainEnv({ layout }),
    state: await readState(layout),
    allSpecs: specs,
    archivesFromRegistry: locateArchiveSource(options.root).kind === 'registry',
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
    ok: rows.every((r) => r.status === 'ok' || r.status === 'optional-missing' || r.status === 'registry'),
    rows,
  };
}

export function renderDoctorTable(report: DoctorReport): string {
  const header = ['tool', 'pinned', 'found', 'status', 'origin', 'path'];
  const body = report.rows.map((r) => [
    r.tool,
    r.pinned,
    r.found ?? '-',
    r.status,
    r.origin ?? '-',
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
