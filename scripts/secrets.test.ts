import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * scripts/secrets.ts end to end, in a copy of the repository's secrets setup (infra.config.yaml, .sops.yaml,
 * secrets/) with a private HOME: the real sops and age binaries, no access to the user's own keys.
 */
const repoRoot = resolve(import.meta.dirname, '..');
const script = join(repoRoot, 'scripts', 'secrets.ts');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secrets-script-'));
  for (const path of ['infra.config.yaml', '.sops.yaml', 'secrets'])
    await cp(join(repoRoot, path), join(dir, path), { recursive: true });
  await execa('git', ['init', '-q'], { cwd: dir });
  env = { PATH: process.env.PATH, HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'xdg'), NO_COLOR: '1' };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = (...args: string[]) =>
  execa(tsx, [script, ...args], { cwd: dir, env, extendEnv: false, reject: false });

describe('scripts/secrets.ts', () => {
  it('check passes on the committed tree with no user key; show prints only what was asked', async () => {
    const check = await run('check', '--json');
    expect(JSON.parse(check.stdout)).toEqual({ ok: true, findings: [] });
    expect(check.exitCode).toBe(0);
    const show = await run('show', 'secrets/local.enc.yaml', '--key', 'proxmox.tokenId');
    expect(show.stdout).toBe('root@pam!infra');
  });

  it('init creates the key, adds the user to the rules and re-keys the demo file; check still passes', async () => {
    const init = await run('init', '--json');
    expect(init.exitCode, init.stderr).toBe(0);
    const report = JSON.parse(init.stdout);
    expect(report).toMatchObject({
      keyCreated: true,
      configWritten: true,
      rekeyed: [join(dir, 'secrets', 'local.enc.yaml')],
    });
    expect((await stat(join(dir, 'xdg', 'sops', 'age', 'keys.txt'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, '.sops.yaml'), 'utf8')).toContain(report.publicKey);
    expect((await run('check')).exitCode).toBe(0);
  });

  it('check fails with a clear message on a plaintext file, naming file and rule, never the value', async () => {
    const plain = join(dir, 'secrets', 'prod.enc.yaml');
    await writeFile(plain, 'proxmox:\n  tokenSecret: d00dfeed-0000-4000-8000-000000000000\n');
    const check = await run('check');
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toContain(
      'secrets/prod.enc.yaml: [not-encrypted] secrets/prod.enc.yaml is not encrypted',
    );
    expect(`${check.stdout}${check.stderr}`).not.toContain('d00dfeed');
    await rm(plain);
  });

  it('a bad recipient is refused before anything changes', async () => {
    const before = await readFile(join(dir, '.sops.yaml'), 'utf8');
    const result = await run('add-recipient', 'age1notakey');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('"age1notakey" is not an age public key [AGE_RECIPIENT_INVALID]');
    expect(await readFile(join(dir, '.sops.yaml'), 'utf8')).toBe(before);
  });
});
