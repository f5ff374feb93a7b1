import { InfraError } from '@infra/core';
import { z } from 'zod';
import type { DeployErrorCode } from './error-codes';
import { openTofuSession, type SessionRequest } from './session';

/**
 * What a root module's tofu state holds, read with `tofu show -json` through a session: the state is
 * decrypted by tofu itself (the passphrase travels as TF_VAR_state_passphrase), never written anywhere.
 * Only the resource types asked for are returned, so secrets of other resources (Talos machine secrets in
 * the cluster state) never leave this function.
 */
export interface StateResource {
  /** Full address, e.g. `module.talos_node[0].proxmox_virtual_environment_vm.this`. */
  address: string;
  type: string;
  values: Record<string, unknown>;
}

const resourceSchema = z.looseObject({
  address: z.string(),
  mode: z.string(),
  type: z.string(),
  values: z.record(z.string(), z.unknown()).default({}),
});
interface ModuleValues {
  resources?: Array<z.infer<typeof resourceSchema>> | undefined;
  child_modules?: ModuleValues[] | undefined;
}
const moduleSchema: z.ZodType<ModuleValues> = z.lazy(() =>
  z.looseObject({
    resources: z.array(resourceSchema).optional(),
    child_modules: z.array(moduleSchema).optional(),
  }),
);
export const stateJsonSchema = z.looseObject({
  format_version: z.string(),
  values: z.looseObject({ root_module: moduleSchema }).optional(),
});

/** The managed resources of the given types in a `tofu show -json` document (pure). */
export function stateResources(document: unknown, types: readonly string[]): StateResource[] {
  const parsed = stateJsonSchema.parse(document);
  const out: StateResource[] = [];
  const walk = (mod: ModuleValues) => {
    for (const r of mod.resources ?? [])
      if (r.mode === 'managed' && types.includes(r.type))
        out.push({ address: r.address, type: r.type, values: r.values });
    for (const child of mod.child_modules ?? []) walk(child);
  };
  if (parsed.values) walk(parsed.values.root_module);
  return out;
}

export interface ReadStateRequest
  extends Omit<SessionRequest, 'templates' | 'variables' | 'secretVariables'> {
  types: readonly string[];
}

export async function readTofuState(request: ReadStateRequest): Promise<StateResource[]> {
  const session = await openTofuSession(request);
  try {
    request.logger?.step(`tofu show -json (state: ${session.backend.describe})`);
    const shown = await session.run(['show', '-json', '-no-color']);
    if (shown.exitCode !== 0) session.fail(shown, 'show');
    const text = shown.stdout.trim();
    if (!text) return [];
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw new InfraError<DeployErrorCode>(
        'DEPLOY_TOFU_FAILED',
        `tofu show -json in ${session.rootLabel} printed no JSON document`,
        { hint: 'run `tofu show -json` in that root module by hand to see what it prints' },
      );
    }
    return stateResources(document, request.types);
  } finally {
    await session.close();
  }
}
