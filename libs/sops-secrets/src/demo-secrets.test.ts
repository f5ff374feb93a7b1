import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DEMO_FIELDS, demoValues, ed25519PublicKeyLine } from './demo-fields';
import { secretsSchema } from './secrets-schema';

describe('demo values', () => {
  it('satisfy the secrets schema, one generator per field, fresh each time', async () => {
    const [a, b] = [await demoValues(), await demoValues()];
    // A required field added to the schema without a generator fails here.
    expect(secretsSchema.parse(a)).toEqual(a);
    expect(new Set(DEMO_FIELDS.map((f) => f.path)).size).toBe(DEMO_FIELDS.length);
    const parsed = [secretsSchema.parse(a), secretsSchema.parse(b)];
    expect(parsed[0]!.proxmox.tokenSecret).not.toBe(parsed[1]!.proxmox.tokenSecret);
    expect(parsed[0]!.admin.passwordHash).toMatch(/^\$6\$/);
    expect(parsed[0]!.admin.passwordHash).not.toBe(parsed[1]!.admin.passwordHash);
  });

  it('make SSH public keys that ssh-keygen accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-ssh-'));
    try {
      const file = join(dir, 'key.pub');
      await writeFile(file, `${ed25519PublicKeyLine('test comment')}\n`);
      const result = await execa('ssh-keygen', ['-l', '-f', file], { reject: false });
      if (result.code === 'ENOENT')
        return expect(ed25519PublicKeyLine('x')).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI/);
      expect(result.stdout).toMatch(/^256 SHA256:\S+ test comment \(ED25519\)$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
