import { parse } from 'yaml';

export const DEFAULT_ENVIRONMENT = 'local';

/**
 * Environment names declared under `environments:` in infra.config.yaml, in file order, for the
 * `build-image` configurations. Unreadable or environment-less config gives just the default: the config
 * library reports what is wrong with the file; the graph should not fail because of it.
 */
export function environmentNames(configText: string | undefined): string[] {
  if (configText === undefined) return [DEFAULT_ENVIRONMENT];
  let config: unknown;
  try {
    config = parse(configText);
  } catch {
    return [DEFAULT_ENVIRONMENT];
  }
  const environments = (config as { environments?: unknown } | null)?.environments;
  if (typeof environments !== 'object' || environments === null || Array.isArray(environments)) {
    return [DEFAULT_ENVIRONMENT];
  }
  const names = Object.keys(environments).filter((name) => /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name));
  return names.length > 0 ? names : [DEFAULT_ENVIRONMENT];
}

/** The configuration `build-image` uses when none is given: `local` when declared, else the first one. */
export function defaultEnvironment(names: readonly string[]): string {
  return names.includes(DEFAULT_ENVIRONMENT) ? DEFAULT_ENVIRONMENT : names[0]!;
}
