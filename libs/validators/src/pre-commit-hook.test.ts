import { chmod, copyFile, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
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

/**
 * The same hook with the real biome and tsc: the throw-away repo links the workspace's node_modules, copies
 * biome.json and tsconfig.base.json, and its `./infra` runs what it is given (Nx excepted: no projects here).
 */
async function repoWithRealChecks() {
  const repo = await repoWithHook();
  await writeFile(
    join(repo.dir, 'infra'),
    '#!/bin/sh\necho "$*" >> .infra-args\ncase "$1" in node_modules/.bin/nx) exit 0 ;; esac\nexec "$@"\n',
  );
  await symlink(join(REPO_ROOT, 'node_modules'), join(repo.dir, 'node_modules'));
  await copyFile(join(REPO_ROOT, 'biome.json'), join(repo.dir, 'biome.json'));
  await copyFile(join(REPO_ROOT, 'tsconfig.base.json'), join(repo.dir, 'tsconfig.base.json'));
  await writeFile(
    join(repo.dir, 'tsconfig.json'),
    '{ "extends": "./tsconfig.base.json", "include": ["*.ts"] }\n',
  );
  await writeFile(join(repo.dir, '.gitignore'), '.infra-args\n.fail\nnode_modules\n');
  await repo.git('add', '-A');
  await repo.git('commit', '-qm', 'checks', '--no-verify');
  const commit = async (file: string, text: string) => {
    await writeFile(join(repo.dir, file), text);
    await repo.git('add', file);
    const result = await execa('git', ['commit', '-m', `add ${file}`], {
      cwd: repo.dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
      reject: false,
      all: true,
    });
    const log = await execa('git', ['log', '--format=%s'], { cwd: repo.dir });
    return { exitCode: result.exitCode, output: String(result.all), subjects: log.stdout.split('\n') };
  };
  return { ...repo, commit };
}

describe('lefthook pre-commit with the real biome and tsc', () => {
  it('commits clean TypeScript (the control for the two refusals below)', async () => {
    const repo = await repoWithRealChecks();
    const clean = await repo.commit('ok.ts', "export const greeting: string = 'hello';\n");
    expect(clean.exitCode, clean.output).toBe(0);
    expect(clean.subjects[0]).toBe('add ok.ts');
  }, 60_000);

  it('blocks a commit whose staged file has a type error', async () => {
    const repo = await repoWithRealChecks();
    const typeError = await repo.commit('bad-type.ts', "export const count: number = 'three';\n");
    expect(typeError.exitCode).not.toBe(0);
    expect(typeError.output).toMatch(/bad-type\.ts.*error TS2322/);
    expect(typeError.subjects).toEqual(['checks', 'init']);
  }, 60_000);

  it('blocks a commit whose staged file fails biome', async () => {
    const repo = await repoWithRealChecks();
    const lint = await repo.commit('bad-lint.ts', 'export const same = (a: number) => a == 1;\n');
    expect(lint.exitCode).not.toBe(0);
    expect(lint.output).toMatch(/bad-lint\.ts.*noDoubleEquals/s);
    expect(lint.subjects).toEqual(['checks', 'init']);
  }, 60_000);
});

describe('lefthook commit-msg', () => {
  it('refuses a subject over 72 characters and takes one of exactly 72 (counted in characters)', async () => {
    const repo = await repoWithHook();
    await writeFile(join(repo.dir, 'keep.tf'), 'changed\n');
    await repo.git('add', 'keep.tf');
    const long = `${'x'.repeat(72)}y`;
    const refused = await execa('git', ['commit', '-qm', long], {
      cwd: repo.dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
      reject: false,
      all: true,
    });
    expect(refused.exitCode).not.toBe(0);
    expect(String(refused.all)).toContain('commit subject has 73 characters, 72 at most');
    const exactly = `${'é'.repeat(71)}!`;
    const taken = await repo.git('commit', '-qm', exactly, '-m', 'The body says why.');
    expect(taken.exitCode).toBe(0);
    const log = await execa('git', ['log', '-1', '--format=%s'], { cwd: repo.dir });
    expect(log.stdout).toBe(exactly);
  });
});
