import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PipRecipe, Recipe } from './catalog';
import { DEPENDS_FILE, missingPackages, pythonDependencies } from './installers/debian';
import { installedPackerPlugin } from './installers/packer-plugin';
import type { PythonInterpreter } from './installers/python';
import type { ToolSpec } from './manifest';
import { type CacheLayout, providerMirror, pythonVenvDir } from './paths';
import type { ToolFacts } from './plan';
import { findOnPath, probeVersion } from './probe';
import { type Marker, readMarker } from './store';

/** Where a tool's complete install lives in the cache (for pip tools: the shared venv). */
export function toolHome(
  spec: ToolSpec,
  layout: CacheLayout,
  python: PythonInterpreter | undefined,
  allSpecs: readonly ToolSpec[],
): string | undefined {
  if (spec.recipe.kind === 'pip') {
    if (!python) return undefined;
    return pythonVenvDir(layout, pipPins(allSpecs), python.minor);
  }
  return layout.toolDir(spec.recipe.cacheName, spec.version);
}

export interface PipPin {
  id: string;
  /** What pip installs: `project[extra,...]==version`. */
  requirement: string;
  bins: readonly string[];
}

export function pipPins(specs: readonly ToolSpec[]): PipPin[] {
  return specs
    .filter((s): s is ToolSpec & { recipe: PipRecipe } => s.recipe.kind === 'pip')
    .map((s) => ({
      id: s.id,
      requirement: `${s.recipe.project}${s.extras ? `[${s.extras.join(',')}]` : ''}==${s.version}`,
      bins: s.recipe.bins,
    }));
}

/** The marker key of the venv: every pin, so changing one pin makes a new venv. */
export function venvVersionKey(specs: readonly ToolSpec[]): string {
  return pipPins(specs)
    .map((p) => p.requirement)
    .join(' ');
}

export async function readToolMarker(
  spec: ToolSpec,
  layout: CacheLayout,
  python: PythonInterpreter | undefined,
  allSpecs: readonly ToolSpec[],
): Promise<{ home: string; marker: Marker } | undefined> {
  const home = toolHome(spec, layout, python, allSpecs);
  if (!home) return undefined;
  const version = spec.recipe.kind === 'pip' ? venvVersionKey(allSpecs) : spec.version;
  const marker = await readMarker(home, version);
  return marker ? { home, marker } : undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The main binary on PATH (outside our shims), with all sibling binaries the recipe needs. */
async function onPath(recipe: Recipe, layout: CacheLayout): Promise<string | undefined> {
  if (!('bins' in recipe) || recipe.kind === 'bootstrap' || recipe.bins.length === 0) return undefined;
  const main = await findOnPath(recipe.bins[0]!, {
    skipDirs: [layout.binDir],
    extraDirs: recipe.kind === 'deb-system' ? recipe.systemDirs : [],
  });
  if (!main || recipe.kind === 'deb-system') return main;
  for (const bin of recipe.bins.slice(1)) {
    if (!(await isExecutable(join(dirname(main), bin)))) return undefined;
  }
  return main;
}

/** Everything the planner needs, for each spec. Probes only binaries that exist; never builds anything. */
export async function gatherFacts(
  specs: readonly ToolSpec[],
  layout: CacheLayout,
  python: PythonInterpreter | undefined,
  allSpecs: readonly ToolSpec[] = specs,
): Promise<Map<string, ToolFacts>> {
  const facts = new Map<string, ToolFacts>();
  await Promise.all(
    specs.map(async (spec) => {
      const { recipe } = spec;
      const fact: ToolFacts = { cached: false };
      const found = await onPath(recipe, layout);
      if (found) {
        const version =
          recipe.kind === 'deb-system' || !('probe' in recipe) || recipe.probe === 'distribution'
            ? undefined
            : (await probeVersion(found, recipe.probe)).version;
        fact.onPath = { path: found, version };
      }
      const installed = await readToolMarker(spec, layout, python, allSpecs);
      if (installed) {
        fact.cached = await stillComplete(spec, layout, installed.marker);
      }
      facts.set(spec.id, fact);
    }),
  );
  return facts;
}

/** Cheap checks beyond the marker: things outside the tool directory that the install also set up. */
async function stillComplete(spec: ToolSpec, layout: CacheLayout, _marker: Marker): Promise<boolean> {
  const { recipe } = spec;
  if (recipe.kind === 'packer-plugin') {
    return (await installedPackerPlugin(layout.packerPluginDir, recipe.source, spec.version)) !== undefined;
  }
  if (recipe.kind === 'provider') {
    const { binary } = providerMirror(layout, recipe.cacheName, recipe.address, spec.version);
    return isExecutable(binary);
  }
  if (recipe.kind === 'deb-extract') {
    // The system python3-* modules it imports may have been removed since.
    const home = layout.toolDir(recipe.cacheName, spec.version);
    const deps = await readFile(join(home, DEPENDS_FILE), 'utf8').catch(() => '');
    return (await missingPackages(pythonDependencies(deps))).length === 0;
  }
  return true;
}
