import type { Environment } from '@infra/config';
import type { planHost } from '@infra/gpu-host-setup';

type HostPlan = ReturnType<typeof planHost>;

/**
 * The GPU host plan a facts bundle (`gpu-host.ts collect --out <dir>`) gives with the environment's `gpu`
 * settings: gpu-host-setup's pure planner, exactly as `gpu-host.ts plan --facts <dir>` runs it. Reads files only.
 */
export async function gpuPlanFromFacts(dir: string, environment: Environment): Promise<HostPlan> {
  const { planHost, readFactsBundle, resolveSettings } = await import('@infra/gpu-host-setup');
  const facts = await readFactsBundle(dir);
  const settings = resolveSettings(
    environment.gpu,
    {},
    { repoRoot: environment.repoRoot, cwd: environment.repoRoot },
  );
  return planHost(facts, settings.plan);
}
