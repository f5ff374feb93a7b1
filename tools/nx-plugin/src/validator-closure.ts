import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import type { ExternalReference } from './lockfile';
import { importSpecifiers, packageName } from './parsers/imports';
import type { WorkspaceReader } from './references';

/** The code a `validate` command runs through, as Nx inputs. */
export interface ValidatorClosure {
  /** `{workspaceRoot}/…` file sets: the entry script, the scripts it imports, the workspace libs it uses. */
  inputs: string[];
  /** npm packages the closure uses, with the folder whose package.json declares each (`.` = root). */
  externals: ExternalReference[];
}

/** Workspace package name → its folder (e.g. `@infra/validators` → `libs/validators`). */
export type WorkspacePackages = ReadonlyMap<string, string>;

const BUILTINS = new Set(builtinModules);
const SCRIPT_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/**
 * Follows the validator entry script (e.g. `scripts/validate.ts`): its relative imports are inputs file by
 * file; a workspace package it imports contributes its whole folder except tests and Markdown, then the
 * workspace packages and npm packages its package.json depends on, transitively. `tsx` (which runs the
 * script) is always an external dependency (of the root). A missing entry still yields its own path, so creating it
 * later changes every validate hash.
 */
export function validatorClosure(
  entry: string,
  reader: WorkspaceReader,
  packages: WorkspacePackages,
): ValidatorClosure {
  const scripts = new Set<string>();
  const libs = new Set<string>();
  const external = new Map<string, ExternalReference>([['tsx@.', { name: 'tsx', importer: '.' }]]);
  const addPackage = (name: string) => {
    const dir = packages.get(name);
    if (dir) _addLib(dir, reader, packages, libs, external);
    else if (!BUILTINS.has(name)) _addExternal(external, name, '.');
  };

  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (scripts.has(file)) continue;
    scripts.add(file);
    const text = reader.readFile(file);
    if (text === undefined) continue;
    for (const specifier of importSpecifiers(text)) {
      if (specifier.startsWith('.')) {
        const resolved = _resolveScript(posix.join(posix.dirname(file), specifier), reader);
        if (resolved) queue.push(resolved);
        continue;
      }
      const name = packageName(specifier);
      if (name) addPackage(name);
    }
  }

  const inputs = [
    ...[...scripts].sort().map((file) => `{workspaceRoot}/${file}`),
    ...[...libs]
      .sort()
      .flatMap((dir) => [
        `{workspaceRoot}/${dir}/**/*`,
        `!{workspaceRoot}/${dir}/**/*.test.ts`,
        `!{workspaceRoot}/${dir}/**/*.md`,
      ]),
  ];
  const externals = [...external.values()].sort((a, b) =>
    `${a.name} ${a.importer}`.localeCompare(`${b.name} ${b.importer}`),
  );
  return { inputs, externals };
}

// --- internal ---

function _addLib(
  dir: string,
  reader: WorkspaceReader,
  packages: WorkspacePackages,
  libs: Set<string>,
  external: Map<string, ExternalReference>,
): void {
  if (libs.has(dir)) return;
  libs.add(dir);
  const manifest = _readManifest(reader.readFile(`${dir}/package.json`));
  for (const name of manifest) {
    const libDir = packages.get(name);
    if (libDir) _addLib(libDir, reader, packages, libs, external);
    else _addExternal(external, name, dir);
  }
}

function _addExternal(external: Map<string, ExternalReference>, name: string, importer: string): void {
  external.set(`${name}@${importer}`, { name, importer });
}

/** Runtime dependency names of a package.json (dev dependencies only serve its tests). */
function _readManifest(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    return ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) => {
      const deps = json[field];
      return typeof deps === 'object' && deps !== null ? Object.keys(deps) : [];
    });
  } catch {
    return [];
  }
}

function _resolveScript(path: string, reader: WorkspaceReader): string | undefined {
  const normalized = posix.normalize(path);
  const withoutJs = normalized.replace(/\.(m?js)$/, '');
  const candidates = [
    normalized,
    ...SCRIPT_EXTENSIONS.map((ext) => `${withoutJs}${ext}`),
    ...SCRIPT_EXTENSIONS.map((ext) => `${normalized}/index${ext}`),
  ];
  return candidates.find((candidate) => reader.stat(candidate) === 'file');
}
