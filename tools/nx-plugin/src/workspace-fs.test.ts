import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

  it('maps workspace package names to folders from pnpm-workspace.yaml', () => {
    expect([...readWorkspacePackages(createWorkspaceReader(root))]).toEqual([
      ['@infra/a', 'libs/a'],
      ['@infra/one', 'tools/one'],
    ]);
  });
});
