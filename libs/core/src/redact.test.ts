import { afterEach, describe, expect, it } from 'vitest';
import { clearSecretsForTests, redact, registerSecret } from './redact';

afterEach(() => clearSecretsForTests());

describe('redact', () => {
  it('masks registered secrets and their URL-encoded form', () => {
    registerSecret('s3cr3t/pa ss');
    expect(redact('password=s3cr3t/pa ss and body=s3cr3t%2Fpa%20ss')).toBe('password=*** and body=***');
  });

  it('keeps the Proxmox token id but masks the token secret even when not registered', () => {
    const header = 'Authorization: PVEAPIToken=infra@pve!build=0b1c2d3e-1111-2222-3333-444455556666';
    expect(redact(header)).not.toContain('0b1c2d3e');
    expect(redact('PVEAPIToken=infra@pve!build=abcd-ef')).toBe('PVEAPIToken=infra@pve!build=***');
  });

  it('masks age identities and PEM private keys', () => {
    // Built at run time so that no key-shaped literal sits in git.
    const identity = ['AGE', 'SECRET', 'KEY', `1${'QXRV7'.repeat(11)}`].join('-');
    expect(redact(`key ${identity} end`)).toBe('key *** end');
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----';
    expect(redact(`x ${pem} y`)).toBe('x *** y');
  });

  it('ignores values too short to be secrets', () => {
    registerSecret('ab');
    expect(redact('ab cd')).toBe('ab cd');
  });

  it('masks the longer of two overlapping secrets whole', () => {
    registerSecret('abcd');
    registerSecret('abcdefgh');
    expect(redact('abcdefgh')).toBe('***');
  });
});
