import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isInfraError } from '@infra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSopsMetadata } from './metadata';
import { ensureSops } from './sops-binary';
import { decryptData, decryptText, encryptFileInPlace, encryptToFile, readMetadataFile } from './sops-client';
import { createSandbox, type Sandbox } from './testing/sandbox';

let box: Sandbox;
let alice: { file: string; recipient: string };
let mallory: { file: string; recipient: string };

beforeAll(async () => {
  await ensureSops();
  box = await createSandbox();
  alice = await box.newKey('alice');
  mallory = await box.newKey('mallory');
  await box.writeRules([{ path_regex: '^secrets/.*\\.enc\\.(yaml|json|env)$', age: [alice.recipient] }]);
});
afterAll(() => box?.cleanup());

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isInfraError(error)) throw new Error(`expected an InfraError, got ${String(error)}`);
  return error;
}

describe('round trips through the real sops binary', () => {
  const nested = {
    proxmox: { tokenId: 'infra@pve!build', tokenSecret: '3f1e2d4c-5b6a-4789-8abc-def012345678' },
    count: 3,
    ratio: 1.5,
    enabled: true,
    list: ['a', 'b'],
    multi: 'line one\nline two\n',
  };

  it.each(['yaml', 'json'])('%s keeps every value and type', async (ext) => {
    const path = join(box.secretsDir, `nested.enc.${ext}`);
    const context = await box.contextFor(alice.file);
    await encryptToFile(path, nested, context);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('3f1e2d4c');
    expect(text).not.toContain('line one');
    expect(readSopsMetadata(text, ext === 'json' ? 'json' : 'yaml')?.recipients).toEqual([alice.recipient]);
    expect(await decryptData(path, context)).toEqual(nested);
  });

  it('dotenv keeps flat string values', async () => {
    const path = join(box.secretsDir, 'tool.enc.env');
    const context = await box.contextFor(alice.file);
    const values = { PROXMOX_TOKEN: 'c0ffee00-1111-4222-8333-444455556666', USER_NAME: 'infra build' };
    await encryptToFile(path, values, context);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('c0ffee00');
    expect((await readMetadataFile(path))?.recipients).toEqual([alice.recipient]);
    expect(await decryptData(path, context)).toEqual(values);
    expect(await decryptText(path, context)).toBe(
      `PROXMOX_TOKEN=${values.PROXMOX_TOKEN}\nUSER_NAME=${values.USER_NAME}\n`,
    );
  });

  it('encrypts a plaintext file in place and leaves no plaintext copy behind', async () => {
    const path = join(box.secretsDir, 'inplace.enc.yaml');
    await writeFile(path, 'password: hunter2-but-longer\n');
    await encryptFileInPlace(path, await box.contextFor(alice.file));
    expect(await readFile(path, 'utf8')).not.toContain('hunter2');
    const leftovers = (await readdir(box.secretsDir)).filter(
      (name) => name.includes('inplace') && name !== 'inplace.enc.yaml',
    );
    expect(leftovers).toEqual([]);
    const again = await failure(encryptFileInPlace(path, await box.contextFor(alice.file)));
    expect(again.code).toBe('SOPS_ALREADY_ENCRYPTED');
  });
});

describe('failures are mapped to clear errors', () => {
  it('a wrong key lists the recipients the file is encrypted for, and the keys we hold', async () => {
    const path = join(box.secretsDir, 'only-alice.enc.yaml');
    await encryptToFile(path, { secret: 'only-for-alice-123' }, await box.contextFor(alice.file));
    const error = await failure(decryptData(path, await box.contextFor(mallory.file)));
    expect(error.code).toBe('SOPS_NO_KEY');
    expect(error.message).toContain(alice.recipient);
    expect(error.message).toContain(mallory.recipient);
    expect(error.message).toContain('secrets/only-alice.enc.yaml');
    expect(error.hint).toContain(`add-recipient ${mallory.recipient}`);
  });

  it('a tampered ciphertext fails the integrity check', async () => {
    const path = join(box.secretsDir, 'tampered.enc.yaml');
    const context = await box.contextFor(alice.file);
    await encryptToFile(path, { a: 'first-value-1', b: 'second-value-2' }, context);
    const text = await readFile(path, 'utf8');
    // Swap two encrypted values: each still decrypts, only the MAC notices.
    const a = /^a: (ENC\[.*\])$/m.exec(text)![1]!;
    const b = /^b: (ENC\[.*\])$/m.exec(text)![1]!;
    await writeFile(
      path,
      text.replace(`a: ${a}`, 'a: SWAP_A').replace(`b: ${b}`, `b: ${a}`).replace('a: SWAP_A', `a: ${b}`),
    );
    const error = await failure(decryptData(path, context));
    expect(error.code).toBe('SOPS_MAC_MISMATCH');
    expect(error.message).toContain('tampered');
    expect(error.message).not.toContain('first-value-1');
  });

  it('a modified ciphertext byte is reported as tampering too', async () => {
    const path = join(box.secretsDir, 'flipped.enc.yaml');
    const context = await box.contextFor(alice.file);
    await encryptToFile(path, { token: 'flip-me-please-42' }, context);
    const text = await readFile(path, 'utf8');
    const flipped = text.replace(
      /token: ENC\[AES256_GCM,data:(.)/,
      (_m, c: string) => `token: ENC[AES256_GCM,data:${c === 'A' ? 'B' : 'A'}`,
    );
    await writeFile(path, flipped);
    expect((await failure(decryptData(path, context))).code).toBe('SOPS_MAC_MISMATCH');
  });

  it('a plaintext file is reported as not encrypted', async () => {
    const path = join(box.secretsDir, 'plain.enc.yaml');
    await writeFile(path, 'token: not-encrypted-at-all\n');
    const error = await failure(decryptData(path, await box.contextFor(alice.file)));
    expect(error.code).toBe('SOPS_NOT_ENCRYPTED');
    expect(error.message).toContain('secrets/plain.enc.yaml');
  });

  it('a file no creation rule covers is refused with the rule file named', async () => {
    const error = await failure(
      encryptToFile(join(box.dir, 'elsewhere.yaml'), { a: 'b' }, await box.contextFor(alice.file)),
    );
    expect(error.code).toBe('SOPS_NO_CREATION_RULE');
    expect(error.message).toContain('.sops.yaml');
  });
});
