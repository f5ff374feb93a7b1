import { createHash } from 'node:crypto';
import { copyFile, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadEnvironment } from '@infra/config';
import { clearSecretsForTests, redact } from '@infra/core';
import { execa } from 'execa';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readIdentityFile } from './age-keys';
import { DEMO_FIELDS } from './demo-fields';
import { ensureDemoSecrets, generatedDemo } from './demo-secrets';
import { resolveSopsKeys } from './key-context';
import { loadSecrets } from './load-secrets';
import { ensureSops } from './sops-binary';
import { decryptData, encryptToFile, readMetadataFile } from './sops-client';
import { createSandbox, type Sandbox } from './testing/sandbox';

/**
 * The `local` demo as a fresh clone gets it: the repository's own infra.config.yaml in a temp dir with no user
 * key anywhere, the real sops and age binaries.
 */
const repoRoot = resolve(import.meta.dirname, '../../..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');

let box: Sandbox;
beforeAll(() => ensureSops());
beforeEach(async () => {
  box = await createSandbox();
  await copyFile(join(repoRoot, 'infra.config.yaml'), join(box.dir, 'infra.config.yaml'));
});
afterEach(async () => {
  clearSecretsForTests();
  await box.cleanup();
});

const localOf = () => loadEnvironment('local', { file: join(box.dir, 'infra.config.yaml') });
const demoContext = async (keyFile: string) => ({
  keys: await resolveSopsKeys({ env: box.env, environmentKeyFile: keyFile, ignoreUserKey: true }),
});
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('the generated local demo', () => {
  it('is generated on first load with no user key: 0600 key and file under .infra/, valid and redacted', async () => {
    const environment = await localOf();
    expect(environment.ageKeyFile).toBe(join(box.dir, '.infra', 'demo', 'local.agekey'));
    expect(environment.secrets).toBe(join(box.dir, '.infra', 'demo', 'local.enc.yaml'));
    const secrets = await loadSecrets(environment, { env: box.env });
    expect(secrets.proxmox.tokenId).toBe('root@pam!infra');
    expect(secrets.admin.sshPublicKeys).toHaveLength(1);
    expect(redact(secrets.proxmox.tokenSecret)).toBe('***');
    expect(await modeOf(environment.ageKeyFile!)).toBe(0o600);
    expect(await modeOf(environment.secrets)).toBe(0o600);
    // Encrypted for the demo key only, and nothing left behind by the atomic writes and the lock.
    const [identity] = await readIdentityFile(environment.ageKeyFile!);
    expect(identity).toMatch(/^AGE-SECRET-KEY-/);
    expect((await readMetadataFile(environment.secrets))?.recipients).toHaveLength(1);
    expect((await readdir(join(box.dir, '.infra', 'demo'))).sort()).toEqual([
      'local.agekey',
      'local.enc.yaml',
    ]);
    expect(await readFile(environment.secrets, 'utf8')).not.toContain(secrets.proxmox.tokenSecret);

    // Idempotent: the second load changes nothing.
    const before = await readFile(environment.secrets, 'utf8');
    expect((await loadSecrets(environment, { env: box.env })).proxmox.tokenSecret).toBe(
      secrets.proxmox.tokenSecret,
    );
    expect(await readFile(environment.secrets, 'utf8')).toBe(before);
  });

  it('two first runs at once (separate processes) end with one key and one set of values', async () => {
    const config = join(box.dir, 'infra.config.yaml');
    const run = () =>
      execa(tsx, [join(import.meta.dirname, 'testing', 'load-demo.ts'), config], {
        cwd: repoRoot,
        env: box.env,
        extendEnv: false,
        timeout: 120_000,
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.stdout).toMatch(/^[0-9a-f]{64}$/);
    expect(b.stdout).toBe(a.stdout);
    const secrets = await loadSecrets(await localOf(), { env: box.env });
    expect(createHash('sha256').update(secrets.proxmox.tokenSecret).digest('hex')).toBe(a.stdout);
  }, 180_000);

  it('an older file gains a field added to DEMO_FIELDS and keeps every value it has', async () => {
    const environment = await localOf();
    const demo = generatedDemo(environment)!;
    const first = await ensureDemoSecrets(demo, { env: box.env });
    expect(first).toMatchObject({ keyCreated: true, fieldsAdded: DEMO_FIELDS.map((f) => f.path) });
    // As the file looked before `admin.passwordHash` was a demo field.
    const old = structuredClone(first.data) as { admin: Record<string, unknown> };
    delete old.admin.passwordHash;
    await encryptToFile(demo.secrets, old, await demoContext(demo.ageKeyFile), {
      recipients: [first.recipient],
      mode: 0o600,
    });
    const second = await ensureDemoSecrets(demo, { env: box.env });
    expect(second).toMatchObject({ keyCreated: false, fieldsAdded: ['admin.passwordHash'] });
    expect(second.data).toMatchObject({ proxmox: (first.data as { proxmox: unknown }).proxmox });
    expect(await modeOf(demo.secrets)).toBe(0o600);
    const third = await ensureDemoSecrets(demo, { env: box.env });
    expect(third.fieldsAdded).toEqual([]);
    expect(third.data).toEqual(second.data);
  });

  it('is only generated under .infra/: an ageKeyFile elsewhere is never created', async () => {
    expect(
      generatedDemo({
        name: 'x',
        repoRoot: box.dir,
        secrets: join(box.dir, 'secrets', 'x.enc.yaml'),
        ageKeyFile: join(box.dir, 'k.txt'),
      }),
    ).toBeUndefined();
    await expect(
      loadSecrets(
        {
          name: 'x',
          repoRoot: box.dir,
          secrets: join(box.dir, 'secrets', 'x.enc.yaml'),
          ageKeyFile: join(box.dir, 'k.txt'),
        },
        { env: box.env },
      ),
    ).rejects.toMatchObject({ code: 'SECRETS_MISSING' });
    await expect(stat(join(box.dir, 'k.txt'))).rejects.toThrow();
  });

  it('force starts over with a new key and new values', async () => {
    const demo = generatedDemo(await localOf())!;
    const first = await ensureDemoSecrets(demo, { env: box.env });
    const again = await ensureDemoSecrets(demo, { env: box.env, force: true });
    expect(again.keyCreated).toBe(true);
    expect(again.recipient).not.toBe(first.recipient);
    expect(await decryptData(demo.secrets, await demoContext(demo.ageKeyFile))).toEqual(again.data);
  });
});
