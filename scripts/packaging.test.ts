import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declarationProblems, importedPackages, isTestOnly, type PackageJson } from './testing/imports';

const ROOT = join(import.meta.dirname, '..');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as PackageJson;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.m?ts$/.test(e.name) && !e.parentPath.includes('node_modules'))
    .map((e) => join(e.parentPath, e.name));
}

function importsOf(dir: string, files: string[], devOnly: (path: string) => boolean = () => false) {
  const production = new Set<string>();
  const test = new Set<string>();
  for (const file of files) {
    const path = relative(dir, file);
    const into = isTestOnly(path) || devOnly(path) ? test : production;
    for (const name of importedPackages(readFileSync(file, 'utf8'))) into.add(name);
  }
  return { production, test };
}

const root = readJson(join(ROOT, 'package.json'));
const shared = new Set(Object.keys(root.devDependencies ?? {}));
const workspacePackages = ['libs', 'tools'].flatMap((parent) =>
  readdirSync(join(ROOT, parent), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `${parent}/${e.name}`)
    .filter((dir) => readdirSync(join(ROOT, dir)).includes('package.json')),
);

describe('package.json declarations match the imports', () => {
  it.each(workspacePackages)('%s declares exactly what it imports', (dir) => {
    const pkg = readJson(join(ROOT, dir, 'package.json'));
    // Files outside src/ (generators such as libs/talos-factory/oracle) run only at development time.
    const imports = importsOf(join(ROOT, dir), tsFiles(join(ROOT, dir)), (path) => !path.startsWith('src/'));
    expect(declarationProblems(dir, pkg, imports, shared)).toEqual([]);
  });

  it('the root package declares what scripts/ and bench/ import (its devDependencies are the tooling)', () => {
    const files = [...tsFiles(join(ROOT, 'scripts')), ...tsFiles(join(ROOT, 'bench'))];
    const imports = importsOf(ROOT, files);
    const tooling = { ...root, devDependencies: {} };
    expect(declarationProblems('.', tooling, imports, shared)).toEqual([]);
  });
});

describe('declarationProblems', () => {
  const pkg: PackageJson = {
    name: '@infra/a',
    dependencies: { '@infra/b': 'workspace:*', zod: '4.6.7', '@infra/sim': 'workspace:*', yaml: '^2.9.1' },
    devDependencies: { execa: '10.2.1' },
  };
  it('names an undeclared import, an unused dependency, a simulator only tests use and a range', () => {
    const imports = {
      production: new Set(['@infra/b', '@infra/c', 'execa', 'yaml']),
      test: new Set(['@infra/sim', 'vitest', 'cosmiconfig']),
    };
    expect(declarationProblems('libs/a', pkg, imports, new Set(['vitest']))).toEqual([
      'libs/a: imports @infra/c without declaring it in dependencies',
      'libs/a: production code imports execa, a devDependency; move it to dependencies',
      'libs/a: its tests import cosmiconfig without declaring it in devDependencies',
      'libs/a: declares zod in dependencies but nothing imports it; remove it',
      'libs/a: only tests import @infra/sim; make it a devDependency',
      'libs/a: yaml is "^2.9.1"; pin an exact version (Renovate proposes the updates)',
    ]);
  });

  it('reads imports as TypeScript does: comments and strings are not imports', () => {
    const text = [
      "import { a } from '@infra/a/sub';",
      "import type { B } from 'b';",
      "export { c } from 'c';",
      "const d = await import('d');",
      "// import { e } from 'e';",
      'const f = "import { f } from \'f\'";',
      "import { join } from 'node:path';",
      "import { readFile } from 'fs/promises';",
      "import { g } from './g';",
    ].join('\n');
    expect([...importedPackages(text)].sort()).toEqual(['@infra/a', 'b', 'c', 'd']);
  });
});
