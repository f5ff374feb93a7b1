import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { loadEnvironment } from '@infra/config';
import { loadSecrets } from '@infra/sops-secrets';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyWorkingTree } from './testing/workspace-copy';

/**
 * Issue 10 item 7: the real `nx run secrets:validate` (what the pre-commit hook reaches through `nx affected`) in
 * a throw-away git copy of the working tree. A token pasted into a tracked `.tfvars` file makes `nx affected`
 * pick the secrets project and the target fail, although the previous run of the same target passed and is in
 * the Nx cache.
 */
const repoRoot = resolve(import.meta.dirname, '..');
let work: string;
let copy: string;

const nx = (...args: string[]) =>
  execa('pnpm', ['exec', 'nx', ...args], {
    cwd: copy,
    extendEnv: false,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(process.env.INFRA_CACHE_DIR ? { INFRA_CACHE_DIR: process.env.INFRA_CACHE_DIR } : {}),
      TMPDIR: join(work, 'tmp'),
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      pnpm_config_verify_deps_before_run: 'false',
    },
    all: true,
    reject: false,
    timeout: 240_000,
  });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'secrets-validate-'));
  copy = join(work, 'repo');
  await execa('mkdir', ['-p', join(work, 'tmp')]);
  await copyWorkingTree(repoRoot, copy);
  await execa('git', ['init', '-q'], { cwd: copy });
  await execa('git', ['add', '-A'], { cwd: copy });
}, 120_000);
afterAll(() => rm(work, { recursive: true, force: true }));

describe('secrets:validate runs the leak scan over every tracked file (issue 10 item 7)', () => {
  it('passes, then fails uncached on a token planted in a tracked .tfvars file', async () => {
    const local = await loadEnvironment('local', { file: join(copy, 'infra.config.yaml') });
    const secrets = await loadSecrets(local); // generates the copy's demo, as a first run does

    const first = await nx('run', 'secrets:validate', '--output-style=static');
    expect(first.exitCode, stripVTControlCharacters(first.all ?? '')).toBe(0);

    const tfvars = 'terraform/environments/local/leak.auto.tfvars';
    await writeFile(
      join(copy, tfvars),
      `proxmox_api_token = "root@pam!infra=${secrets.proxmox.tokenSecret}"\n`,
    );
    await execa('git', ['add', tfvars], { cwd: copy });

    // What the hook runs: the staged file makes the secrets project affected.
    const affected = await nx('show', 'projects', '--affected', `--files=${tfvars}`);
    expect(affected.stdout.split('\n')).toContain('secrets');

    const second = await nx('run', 'secrets:validate', '--output-style=static');
    const output = stripVTControlCharacters(second.all ?? '');
    expect(second.exitCode, output).not.toBe(0);
    expect(output).not.toMatch(/existing outputs match the cache|\[local cache\]/);
    expect(output).toContain(tfvars);
    expect(output).toContain('leaked-value');
    expect(output).not.toContain(secrets.proxmox.tokenSecret);
  }, 600_000);
});
