import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './fs';

describe('writeFileAtomic', () => {
  it('replaces content, keeps the existing mode and leaves no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infra-fs-'));
    const file = join(dir, 'keys.txt');
    await writeFile(file, 'old', { mode: 0o600 });
    await writeFileAtomic(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['keys.txt']);
  });

  it('creates parent directories and applies an explicit mode', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infra-fs-'));
    const file = join(dir, 'a', 'b', 'c.json');
    await writeFileAtomic(file, '{}', { mode: 0o640 });
    expect((await stat(file)).mode & 0o777).toBe(0o640);
  });
});
