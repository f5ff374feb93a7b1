import { describe, expect, it } from 'vitest';
import { fingerprintMatches, normalizeFingerprint, resolveTlsPolicy } from './tls';

const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

describe('fingerprints', () => {
  it('normalises the spellings people paste', () => {
    expect(normalizeFingerprint(FP.toLowerCase())).toBe(FP);
    expect(normalizeFingerprint(FP.replace(/:/g, ''))).toBe(FP);
    expect(normalizeFingerprint(`sha256/${FP}`)).toBe(FP);
  });

  it('rejects SHA-1 and garbage', () => {
    expect(() => normalizeFingerprint('AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01')).toThrow(
      /SHA-256/,
    );
    expect(() => normalizeFingerprint('not-a-fingerprint')).toThrow(/SHA-256/);
  });

  it('compares exactly (one byte off does not match)', () => {
    expect(fingerprintMatches(FP, FP.toLowerCase())).toBe(true);
    expect(fingerprintMatches(FP, `${FP.slice(0, -2)}88`)).toBe(false);
    expect(fingerprintMatches(FP, undefined)).toBe(false);
  });
});

describe('resolveTlsPolicy', () => {
  it('verifies by default and picks exactly one mode', () => {
    expect(resolveTlsPolicy()).toEqual({ mode: 'system' });
    expect(resolveTlsPolicy({ fingerprint: FP.toLowerCase() })).toEqual({
      mode: 'fingerprint',
      fingerprint: FP,
    });
    expect(resolveTlsPolicy({ insecure: true })).toEqual({ mode: 'insecure' });
    expect(resolveTlsPolicy({ caFile: '/etc/pve/pve-root-ca.pem' }, () => 'PEM')).toEqual({
      mode: 'ca',
      ca: 'PEM',
    });
  });

  it('refuses contradictory settings and unreadable CA files', () => {
    expect(() => resolveTlsPolicy({ fingerprint: FP, insecure: true })).toThrow(/choose one/);
    expect(() =>
      resolveTlsPolicy({ caFile: '/nope.pem' }, () => {
        throw new Error('ENOENT');
      }),
    ).toThrow(/cannot read the CA file \/nope.pem/);
  });
});
