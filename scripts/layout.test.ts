import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The text of one `## ` section of README.md. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

const codeSpans = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
const packagesUnder = (parent: string) =>
  readdirSync(join(ROOT, parent), { withFileTypes: true })
    .filter((e) => e.isDirectory() && readdirSync(join(ROOT, parent, e.name)).includes('package.json'))
    .map((e) => `${parent}/${e.name}`);

describe('README.md matches the tree', () => {
  it('the Layout table names every top-level file and folder git tracks', async () => {
    const { stdout } = await execa('git', ['ls-tree', '--name-only', 'HEAD'], { cwd: ROOT });
    const listed = codeSpans(section('Layout'));
    const missing = stdout
      .split('\n')
      .filter((name) => name && name !== 'README.md' && !name.startsWith('.git'))
      .filter((name) => !listed.some((span) => span === name || span.startsWith(`${name}/`)));
    expect(missing).toEqual([]);
  });

  it('the library list names every library, and every workspace package has a README', () => {
    const start = readme.indexOf('Libraries (each has a README):');
    const list = codeSpans(readme.slice(start, readme.indexOf('\n\n', start)));
    const libraries = packagesUnder('libs').map((dir) => dir.slice('libs/'.length));
    expect(libraries.filter((name) => !list.includes(name))).toEqual([]);
    const packages = [...packagesUnder('libs'), ...packagesUnder('tools')];
    expect(packages.filter((dir) => !readdirSync(join(ROOT, dir)).includes('README.md'))).toEqual([]);
  });
});
