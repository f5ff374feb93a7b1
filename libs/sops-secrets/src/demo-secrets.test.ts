import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { demoValues, ed25519PublicKeyLine } from './demo-secrets';
import { secretsSchema } from './secrets-schema';

describe('demo values', () => {
  it('are valid secrets, fresh each time', async () => {
    const [a, b] = [await demoValues(), await demoValues()];
    expect(secretsSchema.parse(a)).toEqual(a);
    expect(a.proxmox.tokenSecret).not.toBe(b.proxmox.tokenSecret);
    expect(a.admin.passwordHash).toMatch(/^\$6\$/);
    expect(a.admin.passwordHash).not.toBe(b.admin.passwordHash);
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
