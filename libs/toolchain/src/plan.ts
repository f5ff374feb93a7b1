import type { Recipe } from './catalog';
import type { ToolSpec } from './manifest';

/** What the machine already has for one tool; gathered by probe.ts, decided on here without I/O. */
export interface ToolFacts {
  /** The tool's main binary found on PATH (outside our shim directory), with the version it reported. */
  onPath?: { path: string; version: string | undefined };
  /** The cache holds a complete install (its marker exists) of exactly the pinned version. */
  cached: boolean;
}

/**
 * - `bootstrap`: provisioned by tools/bootstrap.sh before this script runs (node).
 * - `path`: use the binary already on PATH at the pinned version.
 * - `cache`: use the complete install in $INFRA_CACHE_DIR/tools.
 * - `build`: obtain it now (go build, pip, apt-get).
 * - `registry`: built from a source archive here, but INFRA_SOURCE_ARCHIVES=registry: `tofu init` /
 *   `packer init` download it from the public registry instead.
 */
export type Action = 'bootstrap' | 'path' | 'cache' | 'build' | 'registry';

export interface Decision {
  spec: ToolSpec;
  action: Action;
  /** One sentence for the summary and doctor. */
  reason: string;
  /** For `path`: the binary to shim. */
  pathBinary?: string;
}

/** Compares a pin with what a tool reports. Debian pins carry a revision the tools do not print. */
export function versionMatches(recipe: Recipe, pinned: string, found: string | undefined): boolean {
  if (found === undefined) return false;
  if (recipe.kind === 'deb-system') return true;
  if (recipe.kind === 'deb-extract') return debianUpstreamVersion(pinned) === found;
  return pinned.replace(/^v/, '') === found.replace(/^v/, '');
}

/** `1:22.4.2-1+deb12u4` → `22.4.2`: drop the epoch and the Debian revision. */
export function debianUpstreamVersion(version: string): string {
  const withoutEpoch = version.replace(/^\d+:/, '');
  const dash = withoutEpoch.lastIndexOf('-');
  return dash === -1 ? withoutEpoch : withoutEpoch.slice(0, dash);
}

export interface PlanOptions {
  /** Rebuild even when the cache has the tool (PATH binaries are still used). */
  force?: boolean;
  /** INFRA_SOURCE_ARCHIVES=registry: archive-built tools that are not cached are left to the registry. */
  archivesFromRegistry?: boolean;
}

export function planTool(spec: ToolSpec, facts: ToolFacts, options: PlanOptions = {}): Decision {
  const { recipe } = spec;
  if (recipe.kind === 'bootstrap') {
    return { spec, action: 'bootstrap', reason: 'provisioned by tools/bootstrap.sh' };
  }
  if (recipe.kind === 'deb-system') {
    if (facts.onPath) {
      return { spec, action: 'path', reason: `found ${facts.onPath.path}`, pathBinary: facts.onPath.path };
    }
    return {
      spec,
      action: 'build',
      reason: `${recipe.bins[0]} not found: apt-get install ${recipe.package}`,
    };
  }
  // Providers and plugins are never taken from PATH: tofu and packer look for them in their own layouts.
  const canUsePath = recipe.kind !== 'provider' && recipe.kind !== 'packer-plugin';
  let pathNote = '';
  if (canUsePath && facts.onPath) {
    if (versionMatches(recipe, spec.version, facts.onPath.version)) {
      return {
        spec,
        action: 'path',
        reason: `on PATH at ${facts.onPath.path}`,
        pathBinary: facts.onPath.path,
      };
    }
    pathNote = ` (${facts.onPath.path} is ${facts.onPath.version ?? 'an unknown version'}, not ${spec.version})`;
  }
  if (facts.cached && !options.force) {
    return { spec, action: 'cache', reason: `cached${pathNote}` };
  }
  if (options.archivesFromRegistry && 'go' in recipe && recipe.go.method === 'archive') {
    const by = recipe.kind === 'packer-plugin' ? 'packer init' : 'tofu init';
    return { spec, action: 'registry', reason: `INFRA_SOURCE_ARCHIVES=registry: ${by} downloads it` };
  }
  const how = obtainVerb(recipe);
  return {
    spec,
    action: 'build',
    reason: `${options.force && facts.cached ? 'forced: ' : ''}${how}${pathNote}`,
  };
}

export function planTools(
  specs: readonly ToolSpec[],
  facts: ReadonlyMap<string, ToolFacts>,
  options: PlanOptions = {},
): Decision[] {
  return specs.map((spec) => planTool(spec, facts.get(spec.id) ?? { cached: false }, options));
}

export function obtainVerb(recipe: Recipe): string {
  switch (recipe.kind) {
    case 'go':
    case 'provider':
    case 'packer-plugin':
      if (recipe.go.method === 'archive') return 'go build from a source archive';
      return recipe.go.method === 'install'
        ? 'go install from the Go module proxy'
        : 'go build from the Go module proxy';
    case 'pip':
      return 'pip install from PyPI';
    case 'deb-extract':
      return 'apt-get download + dpkg-deb -x';
    case 'deb-system':
      return 'apt-get install';
    case 'bootstrap':
      return 'tools/bootstrap.sh';
  }
}

/**
 * Narrows the specs to the tools asked for on the command line, adding what they need: the packer plugin is
 * installed by packer itself. Unknown names are returned so the caller can report them.
 */
export function selectTools(
  specs: readonly ToolSpec[],
  requested: readonly string[],
): { selected: ToolSpec[]; unknown: string[] } {
  if (requested.length === 0) return { selected: [...specs], unknown: [] };
  // An id or key wins over a command name: `ansible` is the ansible package, not ansible-core's command.
  const byName = (name: string) =>
    specs.find((s) => s.id === name || s.key === name) ??
    specs.find((s) => 'bins' in s.recipe && s.recipe.bins.includes(name));
  const wanted = new Set<ToolSpec>();
  const unknown: string[] = [];
  for (const name of requested) {
    const spec = byName(name);
    if (!spec) {
      unknown.push(name);
      continue;
    }
    wanted.add(spec);
    if (spec.recipe.kind === 'packer-plugin') {
      const packer = specs.find((s) => s.id === 'packer');
      if (packer) wanted.add(packer);
    }
  }
  return { selected: specs.filter((s) => wanted.has(s)), unknown };
}
