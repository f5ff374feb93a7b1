import { join, resolve } from 'node:path';
import { clearSecretsForTests, type InfraError, redact, registeredSecretCount } from '@infra/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSecrets, secretNeedles } from './load-secrets';
import { ensureSops } from './sops-binary';
import { encryptToFile } from './sops-client';
import { SECRETS_PATH_REGEX } from './sops-config';
import { createSandbox, type Sandbox } from './testing/sandbox';

const _repoRoot = resolve(import.meta.dirname, '../../..');

let box: Sandbox;
let alice: { file: string; recipient: string };
beforeAll(async () => {
  await ensureSops();
  box = await createSandbox();
  alice = await box.newKey('alice');
  await box.writeRules([{ path_regex: SECRETS_PATH_REGEX, age: [alice.recipient] }]);
});
afterAll(() => box?.cleanup());
afterEach(() => clearSecretsForTests());

const valid = {
  proxmox: { tokenId: 'infra@pve!build', tokenSecret: '12345678-9abc-4def-8123-456789abcdef' },
  admin: {
    username: 'infra',
    passwordHash: '$6$rounds=5000$saltsalt$Zm9vYmFyYmF6cXV4',
    sshPublicKeys: [
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFake me@laptop',
    ],
  },
  kubeconfig: 'apiVersion: v1\nclusters: []\n',
};

async function encrypted(name: string, data: Record<string, unknown>): Promise<string> {
  const file = join(box.secretsDir, name);
  await encryptToFile(file, data, await box.contextFor(alice.file));
  return file;
}

describe('loadSecrets', () => {
  it('returns the validated secrets and registers every secret value with the redactor', async () => {
    const file = await encrypted('good.enc.yaml', valid);
    const secrets = await loadSecrets(
      { name: 'prod', secrets: file, repoRoot: box.dir },
      { env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file } },
    );
    expect(secrets).toEqual(valid);
    const line = `token ${valid.proxmox.tokenSecret} hash ${valid.admin.passwordHash} kube ${valid.kubeconfig}`;
    expect(redact(line)).toBe('token *** hash *** kube ***');
    // Identifiers stay readable in logs.
    expect(redact(`user ${valid.admin.username} token ${valid.proxmox.tokenId}`)).toBe(
      'user infra token infra@pve!build',
    );
  });

  it('names the file and each bad key, never the values', async () => {
    const bad = {
      proxmox: { tokenId: 'missing-realm-and-name', tokenSecret: 'not-a-uuid-but-very-secret' },
      admin: { username: 'infra', passwordHash: 'plain-password-oops', sshPublicKeys: [] },
    };
    const file = await encrypted('bad.enc.yaml', bad);
    const error = (await loadSecrets(
      { name: 'prod', secrets: file, repoRoot: box.dir },
      { env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file } },
    ).catch((e: unknown) => e)) as InfraError;
    expect(error.code).toBe('SECRETS_INVALID');
    expect(error.details?.problems).toEqual([
      'secrets/bad.enc.yaml: proxmox.tokenId: expected a Proxmox API token id like "infra@pve!build" (user@realm!name)',
      'secrets/bad.enc.yaml: proxmox.tokenSecret: expected the token secret Proxmox showed when the token was created (a UUID)',
      'secrets/bad.enc.yaml: admin.passwordHash: expected a crypt(3) hash such as $6$... (`mkpasswd -m sha-512`), never the password itself',
      'secrets/bad.enc.yaml: admin.sshPublicKeys: expected at least one SSH public key',
    ]);
    const everything = `${error.message}\n${error.hint}\n${JSON.stringify(error.details)}`;
    for (const value of ['not-a-uuid-but-very-secret', 'plain-password-oops'])
      expect(everything).not.toContain(value);
  });

  it('reports missing sections and leftover template placeholders', async () => {
    const file = await encrypted('partial.enc.yaml', {
      proxmox: { tokenId: 'infra@pve!CHANGE-ME', tokenSecret: valid.proxmox.tokenSecret },
    });
    const error = (await loadSecrets(
      { name: 'prod', secrets: file, repoRoot: box.dir },
      { env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file } },
    ).catch((e: unknown) => e)) as InfraError;
    expect(error.details?.problems).toEqual([
      'secrets/partial.enc.yaml: proxmox.tokenId: still holds the CHANGE-ME placeholder',
      'secrets/partial.enc.yaml: admin: is required (object)',
    ]);
  });

  it('fails with the recipients listed when the user holds no key for the file', async () => {
    const file = await encrypted('theirs.enc.yaml', valid);
    await expect(
      loadSecrets({ name: 'prod', secrets: file, repoRoot: box.dir }, { env: box.env }),
    ).rejects.toMatchObject({
      code: 'SOPS_NO_KEY',
      message: expect.stringContaining(alice.recipient),
    });
    expect(registeredSecretCount()).toBe(0);
  });
});

describe('secretNeedles', () => {
  it('labels every secret value by key path and leaves identifiers out', () => {
    expect(secretNeedles(valid, 'secrets/prod.enc.yaml')).toEqual([
      { label: 'secrets/prod.enc.yaml:proxmox.tokenSecret', value: valid.proxmox.tokenSecret },
      { label: 'secrets/prod.enc.yaml:admin.passwordHash', value: valid.admin.passwordHash },
      { label: 'secrets/prod.enc.yaml:kubeconfig', value: valid.kubeconfig },
    ]);
  });

  it('a missing secrets file names the environment and how to create it', async () => {
    await expect(
      loadSecrets(
        { name: 'staging', secrets: join(box.secretsDir, 'staging.enc.yaml'), repoRoot: box.dir },
        { env: box.env },
      ),
    ).rejects.toMatchObject({
      code: 'SECRETS_MISSING',
      hint: expect.stringContaining('./infra secrets edit secrets/staging.enc.yaml'),
    });
  });
});
