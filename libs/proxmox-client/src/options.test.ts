import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options';
import { DEFAULT_RETRY_POLICY } from './retry';

const base = {
  endpoint: 'https://pve.example:8006',
  auth: { type: 'token', tokenId: 'u@pve!t', secret: 's' },
} as const;

describe('resolveOptions retry policy', () => {
  it('fills every field the caller leaves out from the default policy', () => {
    expect(resolveOptions({ ...base, retry: { getAttempts: 2 } }).retry).toEqual({
      ...DEFAULT_RETRY_POLICY,
      getAttempts: 2,
    });
  });

  it('keeps the default for a field given as undefined (a spread of optional config fields)', () => {
    const retry = resolveOptions({ ...base, retry: { getAttempts: undefined, maxDelayMs: 50 } }).retry;
    expect(retry.getAttempts).toBe(DEFAULT_RETRY_POLICY.getAttempts);
    expect(retry.maxDelayMs).toBe(50);
  });
});
