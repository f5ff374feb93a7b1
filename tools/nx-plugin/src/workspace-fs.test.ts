import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspaceReader, readWorkspacePackages } from './workspace-fs';

let root: string;
const write = (path: string, content: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'nx-plugin-fs-'));
  write(
    'pnpm-workspace.yaml',
    'packages:\n  - "libs/*"\n  - tools/one\n  - "!libs/ignored"\nallowBuilds: {}\n',
  );
  write('libs/a/package.json', JSON.stringify({ name: '@infra/a' }));
  write('libs/b/package.json', '{ not json');
  write('libs/c/README.md', 'no package.json');
  write('tools/one/package.json', JSON.stringify({ name: '@infra/one' }));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('workspace file system helpers', () => {
  it('reads, stats and lists workspace-relative paths, tolerating missing ones', () => {
    const reader = createWorkspaceReader(root);
    expect(reader.readFile('libs/a/package.json')).toContain('@infra/a');
    expect(reader.readFile('missing')).toBeUndefined();
    expect(reader.readFile('libs')).toBeUndefined();
    expect([reader.stat('libs'), reader.stat('libs/a/package.json'), reader.stat('nope')]).toEqual([
      'dir',
      'file',
      undefined,
    ]);
    expect(reader.listDirs('libs')).toEqual(['libs/a', 'libs/b', 'libs/c']);
    expect(reader.listFiles('tools/one')).toEqual(['tools/one/package.json']);
    expect(reader.listFiles('missing')).toEqual([]);
  });

  it('lists symbolic links with their workspace-relative targets; links out of the workspace are left out', () => {
    write('env/local/variables.tf', 'variable "a" {}\n');
    mkdirSync(join(root, 'env/prod'), { recursive: true });
    symlinkSync('../local/variables.tf', join(root, 'env/prod/variables.tf'));
    symlinkSync(join(root, 'env/local/variables.tf'), join(root, 'env/prod/absolute.tf'));
    symlinkSync('../../../outside.tf', join(root, 'env/prod/outside.tf'));
    const reader = createWorkspaceReader(root);
    expect(reader.listLinks('env/prod')).toEqual([
      { path: 'env/prod/absolute.tf', target: 'env/local/variables.tf' },
      { path: 'env/prod/variables.tf', target: 'env/local/variables.tf' },
    ]);
    expect(reader.listFiles('env/prod')).toEqual([]);
    expect(reader.listLinks('missing')).toEqual([]);
  });

  it('maps workspace package names to folders from pnpm-workspace.yaml', () => {
    expect([...readWorkspacePackages(createWorkspaceReader(root))]).toEqual([
      ['@infra/a', 'libs/a'],
      ['@infra/one', 'tools/one'],
    ]);
  });
});
