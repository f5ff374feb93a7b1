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

let base: string;
/** The repository copy; HOME and XDG_CONFIG_HOME sit beside it (a key inside it would be a committed key). */
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'secrets-script-'));
  dir = join(base, 'repo');
  for (const path of ['infra.config.yaml', '.sops.yaml', '.gitignore', 'secrets'])
    await cp(join(repoRoot, path), join(dir, path), { recursive: true });
  await execa('git', ['init', '-q'], { cwd: dir });
  await execa('git', ['add', '-A'], { cwd: dir });
  env = {
    PATH: process.env.PATH,
    HOME: join(base, 'home'),
    XDG_CONFIG_HOME: join(base, 'xdg'),
    NO_COLOR: '1',
  };
});
afterAll(() => rm(base, { recursive: true, force: true }));

/** The recipient of the clone's generated demo key. */
const demoRecipient = async () =>
  (await execa('age-keygen', ['-y', join(dir, '.infra', 'demo', 'local.agekey')], { env })).stdout.trim();

const run = (...args: string[]) =>
  execa(tsx, [script, ...args], { cwd: dir, env, extendEnv: false, reject: false });

describe('scripts/secrets.ts', () => {
  it('a fresh clone holds no private key; demo generates the local demo; check passes; show prints only what was asked', async () => {
    const committed = await execa('git', ['grep', '-l', 'AGE-SECRET-KEY-', '--', '.'], {
      cwd: dir,
      reject: false,
    });
    expect(committed.stdout).toBe('');
    const demo = await run('demo');
    expect(demo.exitCode, demo.stderr).toBe(0);
    expect(demo.stderr).toContain('new demo key .infra/demo/local.agekey');
    expect((await stat(join(dir, '.infra', 'demo', 'local.agekey'))).mode & 0o777).toBe(0o600);
    const check = await run('check', '--json');
    expect(JSON.parse(check.stdout)).toEqual({ ok: true, findings: [] });
    expect(check.exitCode).toBe(0);
    const show = await run('show', '.infra/demo/local.enc.yaml', '--key', 'proxmox.tokenId');
    expect(show.stdout).toBe('root@pam!infra');
  });

  it('init creates the key and adds the user to the rules, never the demo key; check still passes', async () => {
    const init = await run('init', '--json');
    expect(init.exitCode, init.stderr).toBe(0);
    const report = JSON.parse(init.stdout);
    expect(report).toMatchObject({ keyCreated: true, configWritten: true, rekeyed: [] });
    expect((await stat(join(base, 'xdg', 'sops', 'age', 'keys.txt'))).mode & 0o777).toBe(0o600);
    const config = await readFile(join(dir, '.sops.yaml'), 'utf8');
    expect(config).toContain(report.publicKey);
    expect(config).not.toContain(await demoRecipient());
    const check = await run('check');
    expect(check.exitCode, check.stdout).toBe(0);
  });

  it('add-recipient refuses the demo key; check fails when a demo recipient is in a rule', async () => {
    const before = await readFile(join(dir, '.sops.yaml'), 'utf8');
    const refused = await run('add-recipient', await demoRecipient());
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('is a demo key');
    expect(refused.stderr).toContain('[AGE_RECIPIENT_DEMO]');
    expect(await readFile(join(dir, '.sops.yaml'), 'utf8')).toBe(before);

    await writeFile(
      join(dir, '.sops.yaml'),
      before.replace(/age:\n(\s+)- /, `age:\n$1- ${await demoRecipient()}\n$1- `),
    );
    const check = await run('check');
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toMatch(
      /^\.sops\.yaml: \[demo-recipient\] creation_rules\[0\] .* encrypts for the demo key age1/m,
    );
    await writeFile(join(dir, '.sops.yaml'), before);
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
