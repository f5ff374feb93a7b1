import { mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { type CoreErrorCode, InfraError, isInfraError, runProcess } from '@infra/core';
import type { SopsErrorCode } from './error-codes';

const AGE_INSTALL_HINT =
  'install the pinned toolchain with `./infra toolchain install` (puts age-keygen on PATH)';

/** age-keygen on the core runner; a missing binary is AGE_MISSING with the install hint. */
async function runAgeKeygen(args: readonly string[], options: { input?: string } = {}) {
  try {
    return await runProcess('age-keygen', args, options);
  } catch (error) {
    if (isInfraError<CoreErrorCode>(error, 'TOOL_MISSING'))
      throw new InfraError<SopsErrorCode>('AGE_MISSING', 'age-keygen was not found on PATH', {
        hint: AGE_INSTALL_HINT,
      });
    throw error;
  }
}

/** An X25519 age recipient (bech32, 58 data characters) or a post-quantum hybrid one (`age1pq1...`). */
const AGE_RECIPIENT = /^(?:age1[02-9ac-hj-np-z]{58}|age1pq1[02-9ac-hj-np-z]{100,})$/;
const AGE_IDENTITY = /^AGE-SECRET-KEY-(?:PQ-)?1[02-9AC-HJ-NP-Z]+$/;

export function isAgeRecipient(value: string): boolean {
  return AGE_RECIPIENT.test(value.trim());
}

export function assertAgeRecipient(value: string): string {
  const trimmed = value.trim();
  if (!isAgeRecipient(trimmed)) {
    throw new InfraError<SopsErrorCode>(
      'AGE_RECIPIENT_INVALID',
      `"${trimmed.slice(0, 80)}" is not an age public key`,
      {
        hint: 'an age recipient looks like age1... (62 characters); `age-keygen -y <key file>` prints yours',
      },
    );
  }
  return trimmed;
}

/** The identity lines of an age key file (comments and blank lines skipped). */
export function parseIdentities(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => AGE_IDENTITY.test(line));
}

/**
 * Where sops looks for the user's key when SOPS_AGE_KEY_FILE is unset: `$XDG_CONFIG_HOME/sops/age/keys.txt`,
 * else the OS config dir (`~/.config` on Linux, `~/Library/Application Support` on macOS).
 */
export function defaultAgeKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'sops', 'age', 'keys.txt');
  const home = env.HOME ?? homedir();
  const configDir =
    process.platform === 'darwin' ? join(home, 'Library', 'Application Support') : join(home, '.config');
  return join(configDir, 'sops', 'age', 'keys.txt');
}

export interface UserKeyLocation {
  path: string;
  /** True when SOPS_AGE_KEY_FILE named it (then a missing file is an error, not "no key yet"). */
  fromEnv: boolean;
}

export function userAgeKeyLocation(env: NodeJS.ProcessEnv = process.env): UserKeyLocation {
  const fromEnv = env.SOPS_AGE_KEY_FILE;
  return fromEnv ? { path: fromEnv, fromEnv: true } : { path: defaultAgeKeyFile(env), fromEnv: false };
}

/** Refuses a key file that others can read: anyone who can read it can read every secret. */
export async function assertPrivateKeyFile(path: string): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch (error) {
    throw missingKeyFile(path, error);
  }
  if ((mode & 0o077) !== 0) {
    throw new InfraError<SopsErrorCode>(
      'AGE_KEY_PERMISSIONS',
      `age key file ${path} is readable by other users (mode 0${mode.toString(8)})`,
      {
        hint: `chmod 600 ${path}`,
        details: { path, mode: `0${mode.toString(8)}` },
      },
    );
  }
}

export function missingKeyFile(path: string, cause?: unknown): InfraError {
  return new InfraError<SopsErrorCode>('AGE_KEY_MISSING', `age key file ${path} does not exist`, {
    hint: 'create a key with `./infra secrets init`, or point SOPS_AGE_KEY_FILE at your existing key file',
    cause,
  });
}

/** Reads identities from a key file, failing clearly when the file holds none. */
export async function readIdentityFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw missingKeyFile(path, error);
  }
  const identities = parseIdentities(text);
  if (identities.length === 0) {
    throw new InfraError<SopsErrorCode>(
      'AGE_KEY_INVALID',
      `age key file ${path} holds no age identity (AGE-SECRET-KEY-… line)`,
      {
        hint: 'regenerate it with `age-keygen -o <file>` or point SOPS_AGE_KEY_FILE at the right file',
      },
    );
  }
  return identities;
}

/** The public keys (recipients) of identities, computed by `age-keygen -y` with the identities on stdin. */
export async function publicKeysOf(identities: string[]): Promise<string[]> {
  if (identities.length === 0) return [];
  const result = await runAgeKeygen(['-y'], { input: `${identities.join('\n')}\n` });
  if (result.exitCode !== 0) {
    throw new InfraError<SopsErrorCode>(
      'AGE_KEY_INVALID',
      'age-keygen could not derive a public key from the age identity',
      {
        hint: 'the key file is damaged; restore it from your backup',
      },
    );
  }
  return result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(isAgeRecipient);
}

/**
 * Creates a new age key file with `age-keygen -o` (which writes it 0600) in a 0700 directory, and returns its
 * public key. Refuses to overwrite an existing file: losing a key loses every secret only it can read.
 */
export async function generateAgeKey(path: string): Promise<string> {
  if (await exists(path)) {
    throw new InfraError<SopsErrorCode>('AGE_KEY_EXISTS', `age key file ${path} already exists`, {
      hint: 'keep it (it may be the only key for some secrets); remove it by hand only if you are sure',
    });
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const result = await runAgeKeygen(['-o', path]);
  if (result.exitCode !== 0) {
    throw new InfraError<SopsErrorCode>(
      'AGE_KEYGEN_FAILED',
      `age-keygen could not write ${path}: ${result.stderr.split('\n')[0] ?? ''}`,
      {
        hint: 'check that the directory is writable',
      },
    );
  }
  await assertPrivateKeyFile(path);
  const [publicKey] = await publicKeysOf(await readIdentityFile(path));
  if (!publicKey)
    throw new InfraError<SopsErrorCode>(
      'AGE_KEY_INVALID',
      `age-keygen wrote ${path} but no public key could be derived from it`,
    );
  return publicKey;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
