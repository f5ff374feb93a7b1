import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureTls } from './tls';

describe('ensureTls', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'pve-sim-tls-'));
  });
  afterEach(() => rm(stateDir, { recursive: true, force: true }));

  it('creates a CA and a node certificate it signs with openssl, then reuses them', async () => {
    const first = await ensureTls(stateDir, 'pve');
    const leaf = new X509Certificate(first.certPem);
    expect(leaf.checkIssued(new X509Certificate(first.caPem))).toBe(true);
    expect(leaf.subjectAltName).toContain('DNS:pve');
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(first.fingerprint).toBe(leaf.fingerprint256);
    expect((await stat(join(stateDir, 'tls', 'pve-ssl.key'))).isFile()).toBe(true);
    expect((await ensureTls(stateDir, 'pve')).fingerprint).toBe(first.fingerprint);
  });

  it('names a missing openssl and leaves no half-made tls folder behind', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(stateDir, 'no-tools');
    try {
      await expect(ensureTls(stateDir, 'pve')).rejects.toMatchObject({ code: 'SIM_OPENSSL_MISSING' });
    } finally {
      process.env.PATH = path;
    }
    expect(await readdir(stateDir)).toEqual([]);
  });
});
