/**
 * The two facts the plugin needs from `pnpm-lock.yaml` (v9), read with a line scanner because a full YAML
 * parse of the lockfile costs ~150 ms on every graph computation:
 * - every version of every npm package (Nx has one external node per version), and
 * - which version each importer (workspace package folder, `.` for the root) resolved each dependency to.
 */
export interface LockfileIndex {
  versions: ReadonlyMap<string, ReadonlySet<string>>;
  importers: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** An npm package some code uses, and the workspace folder whose package.json declares it (`.` = root). */
export interface ExternalReference {
  name: string;
  importer: string;
}

export function indexPnpmLockfile(text: string): LockfileIndex {
  const versions = new Map<string, Set<string>>();
  const importers = new Map<string, Map<string, string>>();
  let section = '';
  let importer: Map<string, string> | undefined;
  let dependency: string | undefined;
  for (const line of text.split('\n')) {
    const top = /^([a-zA-Z]+):/.exec(line);
    if (top) {
      section = top[1]!;
      continue;
    }
    if (section === 'packages' || section === 'snapshots') {
      const key = /^ {2}'?(@?[^@'\s/][^@'\s]*)@([^('\s]+)[^\s]*?'?:\s*$/.exec(line);
      if (key) {
        const set = versions.get(key[1]!) ?? new Set<string>();
        set.add(key[2]!);
        versions.set(key[1]!, set);
      }
    } else if (section === 'importers') {
      const importerKey = /^ {2}'?([^'\s][^']*?)'?:\s*$/.exec(line);
      const dependencyKey = /^ {6}'?([^'\s][^']*?)'?:\s*$/.exec(line);
      const version = /^ {8}version: '?([^'\s(]+)/.exec(line);
      if (importerKey) {
        importer = new Map();
        importers.set(importerKey[1]!, importer);
      } else if (dependencyKey) {
        dependency = dependencyKey[1];
      } else if (version && importer && dependency && !version[1]!.startsWith('link:')) {
        importer.set(dependency, version[1]!);
      }
    }
  }
  return { versions, importers };
}

/**
 * `externalDependencies` entries Nx resolves deterministically. A package with one version in the lockfile
 * is named plainly, and so is the root importer's version (Nx's unversioned node). Any other version is
 * named with the version its importer resolved (`smol-toml@1.9.1`): given a bare name with no unversioned
 * node, Nx picks one of the versions at random on each run, so every hash flips between two values.
 * Packages the lockfile does not know are dropped: Nx fails every hash that names an unknown one.
 */
export function pinExternalDependencies(
  references: readonly ExternalReference[],
  index: LockfileIndex,
): string[] {
  const pinned = new Set<string>();
  for (const { name, importer } of references) {
    const known = index.versions.get(name);
    if (!known) continue;
    const rootVersion = index.importers.get('.')?.get(name);
    const version = index.importers.get(importer)?.get(name) ?? rootVersion;
    // The root's version is Nx's unversioned node; any other version has a versioned one.
    if (known.size === 1 || version === undefined || version === rootVersion) pinned.add(name);
    else pinned.add(`${name}@${version}`);
  }
  return [...pinned].sort();
}
