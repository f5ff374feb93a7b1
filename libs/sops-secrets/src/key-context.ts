import { stat } from 'node:fs/promises';
import {
  assertPrivateKeyFile,
  missingKeyFile,
  parseIdentities,
  publicKeysOf,
  readIdentityFile,
  userAgeKeyLocation,
} from './age-keys';

/** One identity we can offer sops, described without its secret. */
export interface HeldKey {
  recipient: string;
  source: string;
}

/**
 * Everything sops needs to find the caller's age identities. Identities travel in SOPS_AGE_KEY (the child's
 * environment, never argv) or as the path of a 0600 key file. The rest of sops' environment is the process
 * runner's minimal base and `TOOL_ENV_PASS.sops`, copied from `from`: never the whole caller environment.
 */
export interface SopsKeyContext {
  /** The caller's environment: where PATH, HOME, the editor, ... are copied from (nothing else is). */
  from: NodeJS.ProcessEnv;
  /** Set outright for sops: SOPS_AGE_KEY and/or SOPS_AGE_KEY_FILE, as resolved here. */
  env: Record<string, string>;
  held: HeldKey[];
}

export interface KeyContextOptions {
  /**
   * The environment's own key file (infra.config.yaml `ageKeyFile`): only the embedded demo has one, generated
   * per clone under .infra/ (never committed), so it must be 0600 like any key.
   */
  environmentKeyFile?: string | undefined;
  /** The environment to read SOPS_AGE_KEY(_FILE), XDG_CONFIG_HOME and HOME from; defaults to process.env. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Skip the user's own key (SOPS_AGE_KEY_FILE / default location), e.g. to prove the demo key suffices. */
  ignoreUserKey?: boolean | undefined;
}

export async function resolveSopsKeys(options: KeyContextOptions = {}): Promise<SopsKeyContext> {
  const from = options.env ?? process.env;
  // Only what is resolved here reaches sops (SOPS_AGE_KEY_CMD and the like never do): errors can then name
  // every key sops was offered, and where it came from.
  const env: Record<string, string> = {};
  const held: HeldKey[] = [];
  const inlineIdentities: string[] = [];

  if (!options.ignoreUserKey) {
    const location = userAgeKeyLocation(from);
    const present = await stat(location.path).then(
      () => true,
      () => false,
    );
    if (!present && location.fromEnv) throw missingKeyFile(location.path);
    if (present) {
      await assertPrivateKeyFile(location.path);
      const identities = await readIdentityFile(location.path);
      const label = location.fromEnv ? `SOPS_AGE_KEY_FILE=${location.path}` : location.path;
      for (const recipient of await publicKeysOf(identities)) held.push({ recipient, source: label });
      env.SOPS_AGE_KEY_FILE = location.path;
    }
    const fromVariable = parseIdentities(from.SOPS_AGE_KEY ?? '');
    inlineIdentities.push(...fromVariable);
    for (const recipient of await publicKeysOf(fromVariable))
      held.push({ recipient, source: 'SOPS_AGE_KEY' });
  }

  if (options.environmentKeyFile) {
    await assertPrivateKeyFile(options.environmentKeyFile);
    const identities = await readIdentityFile(options.environmentKeyFile);
    inlineIdentities.push(...identities);
    for (const recipient of await publicKeysOf(identities)) {
      held.push({ recipient, source: `environment key ${options.environmentKeyFile}` });
    }
  }

  if (inlineIdentities.length > 0) env.SOPS_AGE_KEY = inlineIdentities.join('\n');
  return { from, env, held: dedupe(held) };
}

function dedupe(keys: HeldKey[]): HeldKey[] {
  const seen = new Set<string>();
  return keys.filter((key) => {
    if (seen.has(key.recipient)) return false;
    seen.add(key.recipient);
    return true;
  });
}
