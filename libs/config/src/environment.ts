import { loadConfigFile } from './load';
import { type Environment, environmentNames, type ResolvedEnvironment, resolveEnvironment } from './resolve';

export const DEFAULT_ENVIRONMENT = 'local';

/** Finds infra.config.*, validates it and resolves one environment (default: local). */
export async function loadEnvironment(
  name = DEFAULT_ENVIRONMENT,
  opts: { cwd?: string | undefined; file?: string | undefined } = {},
): Promise<Environment> {
  return (await loadResolvedEnvironment(name, opts)).environment;
}

/** Like loadEnvironment, plus where each value came from. */
export async function loadResolvedEnvironment(
  name = DEFAULT_ENVIRONMENT,
  opts: { cwd?: string | undefined; file?: string | undefined } = {},
): Promise<ResolvedEnvironment> {
  return resolveEnvironment(await loadConfigFile(opts), name);
}

/** Validates every environment in the file; returns their names. Throws on the first invalid one. */
export async function validateConfig(
  opts: { cwd?: string | undefined; file?: string | undefined } = {},
): Promise<string[]> {
  const loaded = await loadConfigFile(opts);
  const names = environmentNames(loaded);
  for (const name of names) resolveEnvironment(loaded, name);
  return names;
}
