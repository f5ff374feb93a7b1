import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CheckOptions, checkSecrets } from './check';
import { PUBLISHED_DEMO_RECIPIENTS } from './demo-key';
import { ensureSops } from './sops-binary';
import { encryptToFile } from './sops-client';
import { KUBERNETES_SECRETS_RULE, SECRETS_PATH_REGEX } from './sops-config';
import { createSandbox, type Sandbox } from './testing/sandbox';

let box: Sandbox;
let alice: { file: string; recipient: string };
let options: CheckOptions;

const good = {
  proxmox: { tokenId: 'infra@pve!build', tokenSecret: '9e8d7c6b-5a49-4382-8716-05f4e3d2c1b0' },
  admin: {
    username: 'admin',
    passwordHash: '$6$saltsalt$hashhashhash',
    sshPublicKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample test'],
  },
};

beforeAll(() => ensureSops());
beforeEach(async () => {
  box = await createSandbox();
  alice = await box.newKey('alice');
  await box.writeRules([{ path_regex: SECRETS_PATH_REGEX, age: [alice.recipient] }]);
  options = { repoRoot: box.dir, env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file } };
});
afterEach(() => box.cleanup());

const rules = (findings: { rule: string }[]) => findings.map((f) => f.rule);

describe('check', () => {
  it('passes a tree of encrypted files readable with the current key', async () => {
    await encryptToFile(join(box.secretsDir, 'prod.enc.yaml'), good, await box.contextFor(alice.file));
    await writeFile(join(box.secretsDir, 'README.md'), '# secrets\nschema docs\n');
    expect(await checkSecrets({ ...options, schemaFiles: [join(box.secretsDir, 'prod.enc.yaml')] })).toEqual(
      [],
    );
  });

  it('fails on a plaintext file', async () => {
    await writeFile(join(box.secretsDir, 'prod.enc.yaml'), 'proxmox:\n  tokenSecret: oops-plaintext-1\n');
    const findings = await checkSecrets(options);
    expect(findings).toEqual([
      expect.objectContaining({
        file: 'secrets/prod.enc.yaml',
        rule: 'not-encrypted',
        message: expect.stringContaining('is not encrypted'),
      }),
    ]);
    expect(JSON.stringify(findings)).not.toContain('oops-plaintext-1');
  });

  it('fails on one plaintext value inside an encrypted file, naming the key and line but not the value', async () => {
    const file = join(box.secretsDir, 'prod.enc.yaml');
    await encryptToFile(file, good, await box.contextFor(alice.file));
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/tokenSecret: ENC\[[^\]]*\]/, 'tokenSecret: pasted-in-plaintext-77'));
    const findings = (await checkSecrets(options)).filter((f) => f.rule === 'plaintext-value');
    const line = text.split('\n').findIndex((l) => l.includes('tokenSecret:')) + 1;
    expect(findings).toEqual([
      {
        file: 'secrets/prod.enc.yaml',
        line,
        rule: 'plaintext-value',
        message: expect.stringContaining('proxmox.tokenSecret is in plaintext'),
      },
    ]);
    expect(JSON.stringify(findings)).not.toContain('pasted-in-plaintext-77');
  });

  it('fails on a plaintext comment added to an encrypted file', async () => {
    const file = join(box.secretsDir, 'prod.enc.yaml');
    await encryptToFile(file, good, await box.contextFor(alice.file));
    await writeFile(file, `# the password is hunter2\n${await readFile(file, 'utf8')}`);
    const findings = await checkSecrets(options);
    expect(findings.find((f) => f.rule === 'plaintext-comment')).toMatchObject({ line: 1 });
    expect(JSON.stringify(findings)).not.toContain('hunter2');
  });

  it('fails on a recipient mismatch, naming the missing and the extra recipients', async () => {
    const bob = await box.newKey('bob');
    await encryptToFile(join(box.secretsDir, 'prod.enc.yaml'), good, await box.contextFor(alice.file));
    await box.writeRules([{ path_regex: SECRETS_PATH_REGEX, age: [bob.recipient] }]);
    const findings = await checkSecrets(options);
    expect(rules(findings)).toEqual(['recipient-mismatch']);
    expect(findings[0]!.message).toContain(`not encrypted for ${bob.recipient}`);
    expect(findings[0]!.message).toContain(`still encrypted for ${alice.recipient}`);
    expect(findings[0]!.message).toContain('creation_rules[0]');
  });

  it('fails when the current key cannot read a file, listing its recipients', async () => {
    const carol = await box.newKey('carol');
    await box.writeRules([{ path_regex: SECRETS_PATH_REGEX, age: [carol.recipient] }]);
    await encryptToFile(join(box.secretsDir, 'prod.enc.yaml'), good, await box.contextFor(carol.file));
    const findings = await checkSecrets(options);
    expect(rules(findings)).toEqual(['unreadable']);
    expect(findings[0]!.message).toContain(carol.recipient);
  });

  it('reports a tampered file, schema problems, and files no rule covers', async () => {
    const context = await box.contextFor(alice.file);
    const tampered = join(box.secretsDir, 'a.enc.yaml');
    await encryptToFile(tampered, { first: 'value-one-111', second: 'value-two-222' }, context);
    const text = await readFile(tampered, 'utf8');
    const x = /^first: (ENC\[.*\])$/m.exec(text)![1]!;
    const y = /^second: (ENC\[.*\])$/m.exec(text)![1]!;
    await writeFile(tampered, text.replace(`first: ${x}`, `first: ${y}`));
    const bad = join(box.secretsDir, 'b.enc.yaml');
    await encryptToFile(
      bad,
      { ...good, proxmox: { tokenId: 'no-realm', tokenSecret: good.proxmox.tokenSecret } },
      context,
    );
    await encryptToFile(join(box.secretsDir, 'c.enc.yaml'), { z: 'zzz-value-333' }, context);
    await box.writeRules([{ path_regex: '^secrets/[ab]\\.enc\\.yaml$', age: [alice.recipient] }]);

    const findings = await checkSecrets({ ...options, schemaFiles: [bad] });
    expect(findings.map((f) => [f.file, f.rule])).toEqual([
      ['secrets/a.enc.yaml', 'tampered'],
      ['secrets/b.enc.yaml', 'schema'],
      ['secrets/c.enc.yaml', 'no-creation-rule'],
    ]);
    expect(findings[1]!.message).toBe(
      'secrets/b.enc.yaml: proxmox.tokenId: expected a Proxmox API token id like "infra@pve!build" (user@realm!name)',
    );
  });

  it('flags every private key under secrets/ and in the repository, demo keys included', async () => {
    const demo = await box.newKey('demo');
    await writeFile(join(box.secretsDir, 'local-demo.agekey'), await readFile(demo.file, 'utf8'));
    const tracked = join(box.dir, 'notes.md');
    await writeFile(tracked, `backup of my key:\n${(await readFile(alice.file, 'utf8')).trim()}\n`);
    const findings = await checkSecrets({ ...options, leakScanPaths: [tracked] });
    expect(findings.map((f) => [f.file, f.rule])).toEqual([
      ['secrets/local-demo.agekey', 'private-key'],
      ['notes.md', 'private-key'],
    ]);
  });

  it('fails when a demo recipient is in any .sops.yaml rule or a file is encrypted for it', async () => {
    const demo = await box.newKey('demo');
    const local = join(box.dir, '.infra', 'demo', 'local.enc.yaml');
    // An environment key (ageKeyFile) is a demo key; so is the recipient published in the repository's history.
    await box.writeRules([
      { path_regex: '^secrets/prod\\.enc\\.yaml$', age: [alice.recipient, demo.recipient] },
      { path_regex: '^secrets/old\\.enc\\.yaml$', age: [PUBLISHED_DEMO_RECIPIENTS[0]!] },
      { path_regex: SECRETS_PATH_REGEX, age: [alice.recipient] },
    ]);
    const prod = join(box.secretsDir, 'prod.enc.yaml');
    await encryptToFile(prod, good, await box.contextFor(alice.file));
    const findings = await checkSecrets({ ...options, environmentKeys: { [local]: demo.file } });
    expect(findings.map((f) => [f.file, f.rule])).toEqual([
      ['.sops.yaml', 'demo-recipient'],
      ['.sops.yaml', 'demo-recipient'],
      ['secrets/prod.enc.yaml', 'demo-recipient'],
    ]);
    expect(findings[0]!.message).toBe(
      `creation_rules[0] (path_regex ^secrets/prod\\.enc\\.yaml$) encrypts for the demo key ${demo.recipient}, which anyone can read: remove it from the rule, then \`pnpm tsx scripts/secrets.ts rotate\``,
    );
    expect(findings[2]!.message).toContain(`encrypted for the demo key ${demo.recipient}`);
    // The same tree without the demo recipient in any rule passes.
    await box.writeRules([{ path_regex: SECRETS_PATH_REGEX, age: [alice.recipient] }]);
    await encryptToFile(prod, good, await box.contextFor(alice.file));
    expect(await checkSecrets({ ...options, environmentKeys: { [local]: demo.file } })).toEqual([]);
  });

  it('finds decrypted values leaked in plaintext elsewhere in the repository', async () => {
    await encryptToFile(join(box.secretsDir, 'prod.enc.yaml'), good, await box.contextFor(alice.file));
    const leak = join(box.dir, 'notes.txt');
    await writeFile(
      leak,
      `hello\ncurl -H "Authorization: PVEAPIToken=infra@pve!build=${encodeURIComponent(good.proxmox.tokenSecret)}"\n`,
    );
    const clean = join(box.dir, 'clean.txt');
    await writeFile(clean, 'token id infra@pve!build is public\n');
    const findings = await checkSecrets({ ...options, leakScanPaths: [leak, clean] });
    expect(findings).toEqual([
      {
        file: 'notes.txt',
        line: 2,
        rule: 'leaked-value',
        message:
          'the value of secrets/prod.enc.yaml:proxmox.tokenSecret appears here in plaintext (raw form)',
      },
    ]);
  });

  it("checks the platform's app secrets (kubernetes/*.enc.yaml) and scans for their values, not their names", async () => {
    const app = join(box.dir, 'kubernetes', 'app', 'credentials.enc.yaml');
    await mkdir(dirname(app), { recursive: true });
    const token = 'b7c1e0f2a9d84c6e8f31-app-token';
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'app-credentials-public-name', namespace: 'app' },
      stringData: { token },
    };
    await box.writeRules([
      { path_regex: SECRETS_PATH_REGEX, age: [alice.recipient] },
      { ...KUBERNETES_SECRETS_RULE, age: [alice.recipient] },
    ]);
    await encryptToFile(app, secret, await box.contextFor(alice.file));
    const text = await readFile(app, 'utf8');
    expect(text).toContain('name: app-credentials-public-name');
    expect(text).not.toContain(token);
    const notes = join(box.dir, 'notes.txt');
    await writeFile(notes, `the app is app-credentials-public-name\ntoken=${token}\n`);
    expect(await checkSecrets({ ...options, leakScanPaths: [app, notes] })).toEqual([
      {
        file: 'notes.txt',
        line: 2,
        rule: 'leaked-value',
        message:
          'the value of kubernetes/app/credentials.enc.yaml:stringData.token appears here in plaintext (raw form)',
      },
    ]);
    // Without its rule in .sops.yaml nobody could re-key it.
    await box.writeRules([{ path_regex: SECRETS_PATH_REGEX, age: [alice.recipient] }]);
    expect(rules(await checkSecrets({ ...options, leakScanPaths: [app] }))).toEqual(['no-creation-rule']);
  });
});
