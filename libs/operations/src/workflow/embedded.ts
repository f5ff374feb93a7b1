import { join } from 'node:path';
import type { Environment } from '@infra/config';

/**
 * The one place the workflow reads the Talos simulator (`endpoint: embedded`): what a node actually received,
 * from the simulator's own record under `.infra/sim/talos/` (where the cluster stage starts it). Production
 * paths never load @infra/talos-sim.
 */
export async function deliveredInlineManifests(
  environment: Environment,
  address: string,
): Promise<Record<string, string>> {
  const { readInlineManifests } = await import('@infra/talos-sim');
  return readInlineManifests(join(environment.repoRoot, '.infra', 'sim', 'talos'), address);
}
