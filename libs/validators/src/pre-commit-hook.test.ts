import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './testing/fixture-repo';

/**
 * The repo's lefthook.yml pre-commit job, run by the real lefthook in a throw-away git repo whose `./infra` is a
 * stub that records each call's arguments, one call a line (and fails when told to), so the test checks what the
 * hook asks biome, tsc and Nx for and that a failing check blocks the commit, without running any of them.
 */
const lefthook = join(REPO_ROOT, 'node_modules', '.bin', 'lefthook');
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function repoWithHook(): Promise<{
  dir: string;
  git: (...args: string[]) => Promise<{ exitCode?: number }>;
}> {
  const root = await mkdtemp(join(tmpdir(), 'infra-hook-'));
  dir = root;
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@t',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@t',
  };
  const git = (...args: string[]) => execa('git', args, { cwd: root, env, reject: false });
  await git('init', '-q');
  await copyFile(join(REPO_ROOT, 'lefthook.yml'), join(root, 'lefthook.yml'));
  await writeFile(
    join(root, 'infra'),
    '#!/bin/sh\necho "$*" >> .infra-args\n[ -f .fail ] && exit 1\nexit 0\n',
  );
  await chmod(join(root, 'infra'), 0o755);
  await writeFile(join(root, '.gitignore'), '.infra-args\n.fail\n');
  await writeFile(join(root, 'keep.tf'), 'a\n');
  await writeFile(join(root, 'gone.yml'), 'b\n');
  await git('add', '-A');
  await git('commit', '-qm', 'init', '--no-verify');
  await execa(lefthook, ['install'], { cwd: root, env });
  return { dir: root, git };
}

async function calls(root: string): Promise<string[]> {
  return (await readFile(join(root, '.infra-args'), 'utf8')).trim().split('\n');
}

describe('lefthook pre-commit', () => {
  it('asks nx affected for the staged files as one comma-separated list, deletions included', async () => {
    const repo = await repoWithHook();
    await writeFile(join(repo.dir, 'keep.tf'), 'changed\n');
    await writeFile(join(repo.dir, 'new file.yml'), 'c\n');
    await repo.git('rm', '-q', 'gone.yml');
    await repo.git('add', 'keep.tf', 'new file.yml');
    expect((await repo.git('commit', '-qm', 'change')).exitCode).toBe(0);
    expect(await calls(repo.dir)).toEqual([
      'node_modules/.bin/nx affected -t validate --files=gone.yml,keep.tf,new file.yml --output-style=static',
    ]);
  });

  it('runs biome on the staged TypeScript and typechecks before validating', async () => {
    const repo = await repoWithHook();
    await writeFile(join(repo.dir, 'a.ts'), 'export const a = 1;\n');
    await writeFile(join(repo.dir, 'keep.tf'), 'changed\n');
    await repo.git('add', 'a.ts', 'keep.tf');
    expect((await repo.git('commit', '-qm', 'ts')).exitCode).toBe(0);
    expect(await calls(repo.dir)).toEqual([
      'node_modules/.bin/biome check --no-errors-on-unmatched a.ts',
      'node_modules/.bin/tsc -p tsconfig.json --noEmit',
      'node_modules/.bin/nx affected -t validate --files=a.ts,keep.tf --output-style=static',
    ]);
  });

  it('blocks the commit when validation fails', async () => {
    const repo = await repoWithHook();
    await writeFile(join(repo.dir, '.fail'), '');
    await writeFile(join(repo.dir, 'keep.tf'), 'broken\n');
    await repo.git('add', 'keep.tf');
    expect((await repo.git('commit', '-qm', 'broken')).exitCode).not.toBe(0);
    const log = await execa('git', ['log', '--format=%s'], { cwd: repo.dir });
    expect(log.stdout.split('\n')).toEqual(['init']);
  });
});
