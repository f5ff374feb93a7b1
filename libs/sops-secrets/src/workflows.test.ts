import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isInfraError } from '@infra/core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateAgeKey, publicKeysOf, readIdentityFile } from './age-keys';
import { PUBLISHED_DEMO_RECIPIENTS } from './demo-key';
import { readSopsMetadata } from './metadata';
import { secretsProject } from './project';
import { ensureSops } from './sops-binary';
import { decryptData, encryptToFile, readMetadataFile } from './sops-client';
import { KUBERNETES_SECRETS_RULE, readSopsConfig, ruleRecipients, SECRETS_PATH_REGEX } from './sops-config';
import { createSandbox, type Sandbox } from './testing/sandbox';
import { addRecipient, editSecrets, initSecrets, rotateAll } from './workflows';

let box: Sandbox;
beforeAll(() => ensureSops());
beforeEach(async () => {
  box = await createSandbox();
});
afterEach(() => box.cleanup());

const values = {
  proxmox: { tokenId: 'infra@pve!build', tokenSecret: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9' },
  note: 'keep-me-1234',
};

describe('add-recipient', () => {
  it('lets a second key decrypt every file after updatekeys', async () => {
    const alice = await box.newKey('alice');
    const bob = await box.newKey('bob');
    await box.writeRules([{ path_regex: SECRETS_PATH_REGEX, age: [alice.recipient] }]);
    const files = ['a.enc.yaml', 'b.enc.json'].map((name) => join(box.secretsDir, name));
    for (const file of files) await encryptToFile(file, values, await box.contextFor(alice.file));
    const bobContext = await box.contextFor(bob.file);
    await expect(decryptData(files[0]!, bobContext)).rejects.toMatchObject({ code: 'SOPS_NO_KEY' });

    const project = secretsProject(box.dir, { env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file } });
    const outcomes = await addRecipient(project, bob.recipient);
    expect(outcomes.map((o) => [o.file, o.error?.code])).toEqual(files.map((file) => [file, undefined]));

    const config = await readSopsConfig(box.configPath);
    expect(ruleRecipients(config.creation_rules[0]!)).toEqual([alice.recipient, bob.recipient]);
    for (const file of files) {
      expect((await readMetadataFile(file))?.recipients.sort()).toEqual(
        [alice.recipient, bob.recipient].sort(),
      );
      expect(await decryptData(file, bobContext)).toEqual(values);
    }
  });

  it('refuses a demo key (an environment key, or the one published in git history) before anything changes', async () => {
    const alice = await box.newKey('alice');
    const demo = await box.newKey('demo');
    await box.writeRules([{ path_regex: SECRETS_PATH_REGEX, age: [alice.recipient] }]);
    const before = await readFile(box.configPath, 'utf8');
    const localFile = join(box.dir, '.infra', 'demo', 'local.enc.yaml');
    const project = secretsProject(box.dir, {
      env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file },
      environmentKeys: { [localFile]: demo.file },
    });
    for (const recipient of [demo.recipient, PUBLISHED_DEMO_RECIPIENTS[0]!]) {
      await expect(addRecipient(project, recipient)).rejects.toMatchObject({
        code: 'AGE_RECIPIENT_DEMO',
        message: expect.stringContaining(`${recipient} is a demo key`),
      });
    }
    expect(await readFile(box.configPath, 'utf8')).toBe(before);
  });

  it('reports files the current user cannot re-key instead of stopping', async () => {
    const alice = await box.newKey('alice');
    const carol = await box.newKey('carol');
    const bob = await box.newKey('bob');
    await box.writeRules([{ path_regex: SECRETS_PATH_REGEX, age: [carol.recipient] }]);
    await encryptToFile(join(box.secretsDir, 'carol.enc.yaml'), values, await box.contextFor(carol.file));
    const project = secretsProject(box.dir, { env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file } });
    const [outcome] = await addRecipient(project, bob.recipient);
    expect(outcome?.error?.code).toBe('SOPS_NO_KEY');
    expect(outcome?.error?.message).toContain(carol.recipient);
  });
});

describe('rotate', () => {
  it('changes the data key and keeps every value', async () => {
    const alice = await box.newKey('alice');
    await box.writeRules([{ path_regex: SECRETS_PATH_REGEX, age: [alice.recipient] }]);
    const file = join(box.secretsDir, 'rotate.enc.yaml');
    const context = await box.contextFor(alice.file);
    await encryptToFile(file, values, context);
    const before = await readFile(file, 'utf8');

    const outcomes = await rotateAll(
      secretsProject(box.dir, { env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file } }),
    );
    expect(outcomes).toEqual([{ file }]);

    const after = await readFile(file, 'utf8');
    const wrappedBefore = readSopsMetadata(before, 'yaml')!.wrappedKeys[0]!.enc;
    const wrappedAfter = readSopsMetadata(after, 'yaml')!.wrappedKeys[0]!.enc;
    expect(wrappedAfter).not.toBe(wrappedBefore);
    // Same value, new data key: the ciphertext of every leaf changes.
    const secretCipher = (text: string) => /tokenSecret: ENC\[AES256_GCM,data:([^,]*),/.exec(text)![1];
    expect(secretCipher(after)).not.toBe(secretCipher(before));
    expect(await decryptData(file, context)).toEqual(values);
  });
});

describe('init', () => {
  it('creates a 0600 key, writes the rules, encrypts plaintext files; never a rule for a demo key', async () => {
    const demo = await box.newKey('demo');
    const localFile = join(box.dir, '.infra', 'demo', 'local.enc.yaml');
    const plainFile = join(box.secretsDir, 'prod.enc.yaml');
    await writeFile(plainFile, 'proxmox:\n  tokenSecret: plaintext-to-encrypt-99\n');

    const env = { ...box.env }; // no SOPS_AGE_KEY_FILE: the default location under XDG_CONFIG_HOME
    const project = secretsProject(box.dir, { env, environmentKeys: { [localFile]: demo.file } });
    const report = await initSecrets(project);

    const keyFile = join(box.dir, 'xdg', 'sops', 'age', 'keys.txt');
    expect(report).toMatchObject({ keyFile, keyCreated: true, configWritten: true, encrypted: [plainFile] });
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await publicKeysOf(await readIdentityFile(keyFile))).toEqual([report.publicKey]);

    const config = await readSopsConfig(box.configPath);
    expect(config.creation_rules.map((rule) => [rule.path_regex, ruleRecipients(rule)])).toEqual([
      [SECRETS_PATH_REGEX, [report.publicKey]],
      [KUBERNETES_SECRETS_RULE.path_regex, [report.publicKey]],
    ]);
    expect(config.creation_rules[1]).toMatchObject({ encrypted_regex: '^(data|stringData)$' });
    expect(JSON.stringify(config)).not.toContain(demo.recipient);
    expect(config.stores).toEqual({ yaml: { indent: 2 }, json: { indent: 2 } });
    // Files sops wrote under those rules are indented like the repository's formatter wants.
    expect(await readFile(plainFile, 'utf8')).toMatch(/^proxmox:\n {2}tokenSecret: ENC\[/);
    expect(await readFile(plainFile, 'utf8')).not.toContain('plaintext-to-encrypt-99');
    expect(await decryptData(plainFile, await box.contextFor(keyFile))).toEqual({
      proxmox: { tokenSecret: 'plaintext-to-encrypt-99' },
    });

    const second = await initSecrets(project);
    expect(second).toMatchObject({ keyCreated: false, configWritten: false, encrypted: [], rekeyed: [] });
  });

  it('drops a demo recipient an old init wrote (extends: local), re-keys and gives the file a new data key', async () => {
    const demo = await box.newKey('demo');
    // Outside XDG_CONFIG_HOME, so the demo context below really holds only the demo key.
    const keyFile = join(box.dir, 'keys', 'me.txt');
    const user = await generateAgeKey(keyFile);
    const staging = join(box.secretsDir, 'staging.enc.yaml');
    await box.writeRules([{ path_regex: '^secrets/staging\\.enc\\.yaml$', age: [demo.recipient, user] }]);
    await encryptToFile(staging, values, await box.contextFor(keyFile));
    const before = await readFile(staging, 'utf8');
    const demoContext = await box.contextFor(demo.file);
    expect(await decryptData(staging, demoContext)).toEqual(values);

    const localFile = join(box.dir, '.infra', 'demo', 'local.enc.yaml');
    const project = secretsProject(box.dir, {
      env: { ...box.env, SOPS_AGE_KEY_FILE: keyFile },
      environmentKeys: { [localFile]: demo.file },
    });
    const report = await initSecrets(project);
    expect(report.rekeyed).toEqual([staging]);
    const config = await readSopsConfig(box.configPath);
    expect(config.creation_rules.map((rule) => [rule.path_regex, ruleRecipients(rule)])).toEqual([
      ['^secrets/staging\\.enc\\.yaml$', [user]],
      [SECRETS_PATH_REGEX, [user]],
      [KUBERNETES_SECRETS_RULE.path_regex, [user]],
    ]);
    expect((await readMetadataFile(staging))?.recipients).toEqual([user]);
    await expect(decryptData(staging, demoContext)).rejects.toMatchObject({ code: expect.any(String) });
    const cipher = (text: string) => /tokenSecret: ENC\[AES256_GCM,data:([^,]*),/.exec(text)![1];
    expect(cipher(await readFile(staging, 'utf8'))).not.toBe(cipher(before));
    expect(await decryptData(staging, await box.contextFor(keyFile))).toEqual(values);
  });

  it('refuses a group-readable existing key with the chmod fix', async () => {
    const keyFile = join(box.dir, 'xdg', 'sops', 'age', 'keys.txt');
    await mkdir(join(box.dir, 'xdg', 'sops', 'age'), { recursive: true });
    const alice = await box.newKey('alice');
    await writeFile(keyFile, await readFile(alice.file, 'utf8'), { mode: 0o640 });
    const error = await initSecrets(secretsProject(box.dir, { env: box.env })).catch((e: unknown) => e);
    expect(isInfraError(error) && error.code).toBe('AGE_KEY_PERMISSIONS');
    expect(isInfraError(error) && error.hint).toBe(`chmod 600 ${keyFile}`);
  });
});

describe('edit', () => {
  async function editorScript(body: string): Promise<string> {
    const path = join(box.dir, 'editor.sh');
    await writeFile(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return path;
  }

  it('re-encrypts what the editor saved; the editor sees a 0600 file in a 0700 directory', async () => {
    const alice = await box.newKey('alice');
    await box.writeRules([{ path_regex: SECRETS_PATH_REGEX, age: [alice.recipient] }]);
    const file = join(box.secretsDir, 'edit.enc.yaml');
    await encryptToFile(file, values, await box.contextFor(alice.file));
    const modes = join(box.dir, 'modes.txt');
    const editor = await editorScript(
      `stat -c '%a' "$1" "$(dirname "$1")" > ${modes}\nsed -i 's/keep-me-1234/edited-5678/' "$1"`,
    );
    const project = secretsProject(box.dir, {
      env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file, EDITOR: editor },
    });
    expect(await editSecrets(project, file)).toEqual({ created: false, changed: true });
    expect((await readFile(modes, 'utf8')).split('\n').slice(0, 2)).toEqual(['600', '700']);
    expect(await readFile(file, 'utf8')).not.toContain('edited-5678');
    expect(await decryptData(file, await box.contextFor(alice.file))).toEqual({
      ...values,
      note: 'edited-5678',
    });
  });

  it('starts a new file from the template and removes it when the editor saves nothing', async () => {
    const alice = await box.newKey('alice');
    await box.writeRules([{ path_regex: SECRETS_PATH_REGEX, age: [alice.recipient] }]);
    const file = join(box.secretsDir, 'new.enc.yaml');
    const quit = await editorScript('exit 0');
    const project = secretsProject(box.dir, {
      env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file, EDITOR: quit },
    });
    expect(await editSecrets(project, file)).toEqual({ created: false, changed: false });
    await expect(stat(file)).rejects.toThrow();

    const fill = await editorScript(
      `sed -i 's/tokenSecret: CHANGE-ME/tokenSecret: 11111111-2222-4333-8444-555555555555/' "$1"`,
    );
    const filling = secretsProject(box.dir, {
      env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file, EDITOR: fill },
    });
    expect(await editSecrets(filling, file)).toEqual({ created: true, changed: true });
    const data = await decryptData(file, await box.contextFor(alice.file));
    expect(data.proxmox).toMatchObject({ tokenSecret: '11111111-2222-4333-8444-555555555555' });
  });
});
