import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertAgeRecipient,
  assertPrivateKeyFile,
  defaultAgeKeyFile,
  generateAgeKey,
  isAgeRecipient,
  parseIdentities,
  publicKeysOf,
  readIdentityFile,
  userAgeKeyLocation,
} from './age-keys';
import { resolveSopsKeys } from './key-context';
import { createSandbox, type Sandbox } from './testing/sandbox';

let box: Sandbox;
beforeEach(async () => {
  box = await createSandbox();
});
afterEach(() => box.cleanup());

describe('age keys via the real age-keygen', () => {
  it('creates a 0600 key in a 0700 directory and derives the public key age-keygen recorded', async () => {
    const file = join(box.dir, 'new', 'dir', 'keys.txt');
    const recipient = await generateAgeKey(file);
    expect(isAgeRecipient(recipient)).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(box.dir, 'new', 'dir'))).mode & 0o777).toBe(0o700);
    expect(await readFile(file, 'utf8')).toContain(`# public key: ${recipient}`);
    expect(await publicKeysOf(await readIdentityFile(file))).toEqual([recipient]);
  });

  it('never overwrites an existing key', async () => {
    const { file } = await box.newKey('alice');
    const before = await readFile(file, 'utf8');
    await expect(generateAgeKey(file)).rejects.toMatchObject({ code: 'AGE_KEY_EXISTS' });
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('refuses group- or world-readable key files with the chmod fix', async () => {
    const { file } = await box.newKey('alice');
    await assertPrivateKeyFile(file);
    for (const mode of [0o640, 0o604, 0o644]) {
      await chmod(file, mode);
      await expect(assertPrivateKeyFile(file)).rejects.toMatchObject({
        code: 'AGE_KEY_PERMISSIONS',
        hint: `chmod 600 ${file}`,
        message: expect.stringContaining(`mode 0${mode.toString(8)}`),
      });
    }
  });

  it('reports a missing or empty key file clearly', async () => {
    await expect(readIdentityFile(join(box.dir, 'nope.txt'))).rejects.toMatchObject({
      code: 'AGE_KEY_MISSING',
    });
    const empty = join(box.dir, 'empty.txt');
    await writeFile(empty, '# just a comment\n', { mode: 0o600 });
    await expect(readIdentityFile(empty)).rejects.toMatchObject({ code: 'AGE_KEY_INVALID' });
  });
});

describe('pure helpers', () => {
  it('validates recipients', () => {
    expect(isAgeRecipient('age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun')).toBe(true);
    expect(isAgeRecipient('age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvu')).toBe(false);
    expect(isAgeRecipient('age1LZD99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun')).toBe(false);
    expect(isAgeRecipient('ssh-ed25519 AAAA')).toBe(false);
    expect(() => assertAgeRecipient('age1nope')).toThrow(/not an age public key/);
  });

  it('parses identities out of a key file', async () => {
    // Generated at run time by the real age-keygen: no key-shaped literal sits in git.
    const { file } = await box.newKey('parse');
    const [identity] = (await readFile(file, 'utf8'))
      .split('\n')
      .filter((l) => l.startsWith('AGE-SECRET-KEY'));
    expect(identity).toMatch(/^AGE-SECRET-KEY-(PQ-)?1[02-9AC-HJ-NP-Z]{58,}$/);
    expect(parseIdentities(`# created: x\n# public key: age1...\n${identity}\n\n`)).toEqual([identity]);
  });

  it('locates the key like sops: SOPS_AGE_KEY_FILE, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(userAgeKeyLocation({ SOPS_AGE_KEY_FILE: '/k.txt', XDG_CONFIG_HOME: '/x' })).toEqual({
      path: '/k.txt',
      fromEnv: true,
    });
    expect(userAgeKeyLocation({ XDG_CONFIG_HOME: '/x' })).toEqual({
      path: '/x/sops/age/keys.txt',
      fromEnv: false,
    });
    if (process.platform === 'linux')
      expect(defaultAgeKeyFile({ HOME: '/h' })).toBe('/h/.config/sops/age/keys.txt');
  });
});

describe('resolveSopsKeys', () => {
  it('passes an environment key file via SOPS_AGE_KEY, and refuses it when others can read it', async () => {
    const demo = await box.newKey('demo');
    const context = await resolveSopsKeys({
      env: box.env,
      environmentKeyFile: demo.file,
      ignoreUserKey: true,
    });
    expect(context.held).toEqual([{ recipient: demo.recipient, source: `environment key ${demo.file}` }]);
    expect(context.env.SOPS_AGE_KEY).toMatch(/^AGE-SECRET-KEY-(PQ-)?1/);
    expect(context.env.SOPS_AGE_KEY_FILE).toBeUndefined();
    // Generated per clone (never committed), so it is held to the same 0600 as the user's key.
    await chmod(demo.file, 0o644);
    await expect(
      resolveSopsKeys({ env: box.env, environmentKeyFile: demo.file, ignoreUserKey: true }),
    ).rejects.toMatchObject({ code: 'AGE_KEY_PERMISSIONS' });
  });

  it('uses the user key file, but refuses it when others can read it', async () => {
    const alice = await box.newKey('alice');
    const context = await resolveSopsKeys({ env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file } });
    expect(context.held).toEqual([{ recipient: alice.recipient, source: `SOPS_AGE_KEY_FILE=${alice.file}` }]);
    expect(context.env.SOPS_AGE_KEY_FILE).toBe(alice.file);
    await chmod(alice.file, 0o644);
    await expect(
      resolveSopsKeys({ env: { ...box.env, SOPS_AGE_KEY_FILE: alice.file } }),
    ).rejects.toMatchObject({ code: 'AGE_KEY_PERMISSIONS' });
  });

  it('fails when SOPS_AGE_KEY_FILE names a missing file, and is empty-handed (not failing) with no key at all', async () => {
    await expect(
      resolveSopsKeys({ env: { ...box.env, SOPS_AGE_KEY_FILE: join(box.dir, 'missing.txt') } }),
    ).rejects.toMatchObject({
      code: 'AGE_KEY_MISSING',
    });
    const none = await resolveSopsKeys({ env: box.env });
    expect(none.held).toEqual([]);
    expect(none.env.SOPS_AGE_KEY).toBeUndefined();
  });
});
