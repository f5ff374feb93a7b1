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
 * Everything sops needs to find the caller's age identities, as the child's complete environment. Identities
 * travel in SOPS_AGE_KEY (the child's environment, never argv) or as the path of a 0600 key file.
 */
export interface SopsKeyContext {
  env: Record<string, string | undefined>;
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
  const base = { ...(options.env ?? process.env) };
  const held: HeldKey[] = [];
  const inlineIdentities: string[] = [];
  // sops would also pick these up on its own; we control the lookup so errors can name every source.
  delete base.SOPS_AGE_KEY_FILE;

  if (!options.ignoreUserKey) {
    const location = userAgeKeyLocation(options.env ?? process.env);
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
      base.SOPS_AGE_KEY_FILE = location.path;
    }
    const fromVariable = parseIdentities(base.SOPS_AGE_KEY ?? '');
    inlineIdentities.push(...fromVariable);
    for (const recipient of await publicKeysOf(fromVariable))
      held.push({ recipient, source: 'SOPS_AGE_KEY' });
  } else {
    delete base.SOPS_AGE_KEY;
    delete base.SOPS_AGE_KEY_CMD;
  }

  if (options.environmentKeyFile) {
    await assertPrivateKeyFile(options.environmentKeyFile);
    const identities = await readIdentityFile(options.environmentKeyFile);
    inlineIdentities.push(...identities);
    for (const recipient of await publicKeysOf(identities)) {
      held.push({ recipient, source: `environment key ${options.environmentKeyFile}` });
    }
  }

  if (inlineIdentities.length > 0) base.SOPS_AGE_KEY = inlineIdentities.join('\n');
  else delete base.SOPS_AGE_KEY;
  base.SOPS_DISABLE_VERSION_CHECK = 'true';
  return { env: base, held: dedupe(held) };
}

function dedupe(keys: HeldKey[]): HeldKey[] {
  const seen = new Set<string>();
  return keys.filter((key) => {
    if (seen.has(key.recipient)) return false;
    seen.add(key.recipient);
    return true;
  });
}
