import { type CoreErrorCode, InfraError, isInfraError } from '@infra/core';
import { describe, expect, it } from 'vitest';
import { type ProxmoxErrorCode, PveError } from './errors';

// The @ts-expect-error lines are the test: typecheck (tsc over every *.test.ts) fails if a misspelt code is
// ever accepted, because the directive itself is then an error.
const request = { method: 'GET', path: '/version' };

describe('typed error codes', () => {
  it('accepts only known codes when raised or checked', () => {
    const error: unknown = new PveError('PVE_NOT_FOUND', request, 404, 'no such VM');
    // @ts-expect-error misspelt code: PVE_NOT_FOUD is not a ProxmoxErrorCode
    new PveError('PVE_NOT_FOUD', request, 404, 'typo');
    // @ts-expect-error misspelt code in a comparison
    expect(isInfraError<ProxmoxErrorCode>(error, 'PVE_NOTFOUND')).toBe(false);
    // @ts-expect-error a core code is not one of the runner's
    new InfraError<CoreErrorCode>('TOOL_MISING', 'typo');

    expect(isInfraError<ProxmoxErrorCode>(error, 'PVE_NOT_FOUND', 'PVE_AUTH_FAILED')).toBe(true);
    expect(isInfraError<ProxmoxErrorCode>(error, 'PVE_AUTH_FAILED')).toBe(false);
    expect(isInfraError(error)).toBe(true);
    if (isInfraError<ProxmoxErrorCode>(error, 'PVE_NOT_FOUND')) {
      // narrowed: a switch over error.code is checked against the union
      const code: ProxmoxErrorCode = error.code;
      expect(code).toBe('PVE_NOT_FOUND');
    }
  });
});
