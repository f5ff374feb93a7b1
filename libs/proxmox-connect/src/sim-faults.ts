import { InfraError } from '@infra/core';
import type { FaultRule } from '@infra/pve-sim';
import type { ConnectErrorCode } from './error-codes';

/** Testing hook: fault rules for the embedded simulator, as JSON (one rule or an array). */
export const SIM_FAULTS_ENV = 'INFRA_SIM_FAULTS';

/**
 * Parses `INFRA_SIM_FAULTS` (pve-sim fault rules) for the embedded simulator. Unset or blank → no faults.
 * Meant for tests that need a build to fail at a given request; a bad value is an error, never ignored.
 */
export async function parseSimFaults(value: string | undefined): Promise<FaultRule[]> {
  if (value === undefined || value.trim() === '') return [];
  // Loaded on demand, like the simulator itself: most runs never set the hook.
  const { faultRulesSchema } = await import('@infra/pve-sim');
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new InfraError<ConnectErrorCode>('SIM_FAULTS_INVALID', `${SIM_FAULTS_ENV} is not valid JSON`, {
      hint: `example: ${SIM_FAULTS_ENV}='[{"kind":"error","status":500,"method":"POST","path":"/nodes/*/qemu"}]'`,
    });
  }
  const parsed = faultRulesSchema.safeParse(Array.isArray(json) ? json : [json]);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'rule';
    throw new InfraError<ConnectErrorCode>(
      'SIM_FAULTS_INVALID',
      `${SIM_FAULTS_ENV}: ${where}: ${issue?.message}`,
      {
        hint: 'see libs/pve-sim/README.md (Fault injection) for the rule kinds and their fields',
      },
    );
  }
  return parsed.data;
}
