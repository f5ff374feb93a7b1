import { builtinModules } from 'node:module';
import ts from 'typescript';

/**
 * The packages a TypeScript file imports (static, dynamic, `export ... from`, `import type`), read by
 * TypeScript's own pre-processor, so imports inside comments and strings do not count. Relative paths and
 * Node built-ins are left out; `@scope/name/sub` and `name/sub` count as `@scope/name` and `name`.
 */
export function importedPackages(text: string): Set<string> {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const names = new Set<string>();
  for (const { fileName } of importedFiles) {
    if (fileName.startsWith('.') || fileName.startsWith('/') || fileName.startsWith('node:')) continue;
    if (builtinModules.includes(fileName.split('/')[0] ?? '')) continue;
    const parts = fileName.split('/');
    names.add(fileName.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? fileName));
  }
  return names;
}

/** Files only tests run: `*.test.ts`, test helpers under `testing/`, benchmarks under `bench/`. */
export const isTestOnly = (path: string) => /\.test\.ts$|(^|\/)(testing|bench)\//.test(path);

export interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * What is wrong with one package's declarations, given what its production and test files import:
 * undeclared imports, declared packages nothing imports, production dependencies only tests use, and
 * devDependencies production code needs. `shared`: the root's devDependencies (vitest, ...) tests may use.
 */
export function declarationProblems(
  dir: string,
  pkg: PackageJson,
  imports: { production: ReadonlySet<string>; test: ReadonlySet<string> },
  shared: ReadonlySet<string>,
): string[] {
  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
  const problems: string[] = [];
  for (const name of imports.production) {
    if (name === pkg.name) continue;
    if (dev.has(name))
      problems.push(`${dir}: production code imports ${name}, a devDependency; move it to dependencies`);
    else if (!deps.has(name)) problems.push(`${dir}: imports ${name} without declaring it in dependencies`);
  }
  for (const name of imports.test) {
    if (name === pkg.name || deps.has(name) || dev.has(name) || shared.has(name)) continue;
    problems.push(`${dir}: its tests import ${name} without declaring it in devDependencies`);
  }
  for (const name of deps) {
    if (imports.production.has(name)) continue;
    problems.push(
      imports.test.has(name)
        ? `${dir}: only tests import ${name}; make it a devDependency`
        : `${dir}: declares ${name} in dependencies but nothing imports it; remove it`,
    );
  }
  for (const name of dev) {
    if (!imports.test.has(name) && !imports.production.has(name)) {
      problems.push(`${dir}: declares ${name} in devDependencies but nothing imports it; remove it`);
    }
  }
  for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
    if (name.startsWith('@infra/') && range !== 'workspace:*') {
      problems.push(`${dir}: ${name} is "${range}"; workspace packages are "workspace:*"`);
    } else if (!name.startsWith('@infra/') && !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(range)) {
      problems.push(`${dir}: ${name} is "${range}"; pin an exact version (Renovate proposes the updates)`);
    }
  }
  return problems;
}
