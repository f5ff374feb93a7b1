import { InfraError, isInfraError } from '@infra/core';
import { describe, expect, it } from 'vitest';
import type { TalosSimErrorCode } from './error-codes';

// The root's scripts/error-codes.test.ts scans this package's production code for untyped codes; the
// type-level check lives here, since the root package does not depend on the simulator.
describe('TalosSimErrorCode', () => {
  it('makes a misspelt code a type error', () => {
    // @ts-expect-error TALOS_SIM_BUSSY
    const typo = new InfraError<TalosSimErrorCode>('TALOS_SIM_BUSSY', 'typo');
    const busy = new InfraError<TalosSimErrorCode>('TALOS_SIM_BUSY', 'busy');
    expect(isInfraError<TalosSimErrorCode>(busy, 'TALOS_SIM_BUSY')).toBe(true);
    // @ts-expect-error TALOS_SIM_START_FAIL
    expect(isInfraError<TalosSimErrorCode>(typo, 'TALOS_SIM_START_FAIL')).toBe(false);
  });
});
