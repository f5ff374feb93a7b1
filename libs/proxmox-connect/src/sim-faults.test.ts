import { isInfraError } from '@infra/core';
import { describe, expect, it } from 'vitest';
import { parseSimFaults } from './sim-faults';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (isInfraError(error) ? `${error.code}: ${error.message}` : String(error)),
  );

describe('parseSimFaults (INFRA_SIM_FAULTS)', () => {
  it('means no faults when unset or blank', async () => {
    expect(await parseSimFaults(undefined)).toEqual([]);
    expect(await parseSimFaults('  ')).toEqual([]);
  });

  it('takes one rule or an array of rules', async () => {
    const one = await parseSimFaults('{"kind":"error","status":500,"method":"POST","path":"/nodes/*/qemu"}');
    expect(one).toEqual([{ kind: 'error', status: 500, method: 'POST', path: '/nodes/*/qemu' }]);
    const two = await parseSimFaults('[{"kind":"latency","ms":5},{"kind":"reset","when":"after","times":1}]');
    expect(two.map((r) => r.kind)).toEqual(['latency', 'reset']);
  });

  it('rejects bad JSON and bad rules with the variable and the field named', async () => {
    expect(await codeOf(parseSimFaults('[{'))).toBe('SIM_FAULTS_INVALID: INFRA_SIM_FAULTS is not valid JSON');
    expect(await codeOf(parseSimFaults('{"kind":"error","status":200}'))).toMatch(
      /^SIM_FAULTS_INVALID: INFRA_SIM_FAULTS: 0\.status: /,
    );
    expect(await codeOf(parseSimFaults('{"kind":"explode"}'))).toMatch(
      /^SIM_FAULTS_INVALID: INFRA_SIM_FAULTS: /,
    );
  });
});
