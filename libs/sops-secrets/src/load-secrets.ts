import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { InfraError, registerSecret } from '@infra/core';
import { ensureDemoSecrets, generatedDemo } from './demo-secrets';
import type { SopsErrorCode } from './error-codes';
import type { PlainData } from './formats';
import { resolveSopsKeys } from './key-context';
import { type LeakNeedle, MIN_NEEDLE_LENGTH } from './leak-scan';
import { describeSecretsIssues, PUBLIC_SECRET_PATHS, type Secrets, secretsSchema } from './secrets-schema';
import { decryptData } from './sops-client';

/** The part of an `Environment` (from @infra/config) that secrets need. */
export interface SecretsEnvironment {
  name: string;
  /** Absolute path of the environment's SOPS file. */
  secrets: string;
  /**
   * Absolute path of the environment's own key file (only an embedded demo environment sets it). When it and
   * the secrets file are under `<repoRoot>/.infra/`, both are generated on first use (ensureDemoSecrets).
   */
  ageKeyFile?: string | undefined;
  repoRoot?: string | undefined;
}

export interface LoadSecretsOptions {
  /** Where to read SOPS_AGE_KEY(_FILE), HOME, PATH from (default process.env). */
  env?: NodeJS.ProcessEnv | undefined;
}

/**
 * Decrypts the environment's secrets file in memory, registers every secret value with the redactor, and
 * validates it. Errors name the file and the key path, never a value.
 */
export async function loadSecrets(
  environment: SecretsEnvironment,
  options: LoadSecretsOptions = {},
): Promise<Secrets> {
  const displayRoot = environment.repoRoot ?? process.cwd();
  const file = displayPath(displayRoot, environment.secrets);
  const demo = generatedDemo(environment);
  const data = demo
    ? (await ensureDemoSecrets(demo, { env: options.env })).data
    : await decryptOwn(environment, file, displayRoot, options);
  registerSecretValues(data);
  const parsed = secretsSchema.safeParse(data);
  if (!parsed.success) {
    const lines = describeSecretsIssues(file, parsed.error.issues, data);
    throw new InfraError<SopsErrorCode>(
      'SECRETS_INVALID',
      `the secrets of environment "${environment.name}" are incomplete or malformed:\n  ${lines.join('\n  ')}`,
      {
        hint: `fix them with \`./infra secrets edit ${file}\` (schema: secrets/README.md)`,
        details: { file, problems: lines },
      },
    );
  }
  return parsed.data;
}

async function decryptOwn(
  environment: SecretsEnvironment,
  file: string,
  displayRoot: string,
  options: LoadSecretsOptions,
): Promise<PlainData> {
  const present = await stat(environment.secrets).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!present) {
    throw new InfraError<SopsErrorCode>(
      'SECRETS_MISSING',
      `environment "${environment.name}" has no secrets file ${file}`,
      {
        hint: `create it with \`./infra secrets edit ${file}\` (run \`secrets.ts init\` first if you have no age key)`,
      },
    );
  }
  // An environment with its own key (a demo) must not depend on, or trip over, the user's key.
  const keys = await resolveSopsKeys({
    env: options.env,
    environmentKeyFile: environment.ageKeyFile,
    ignoreUserKey: environment.ageKeyFile !== undefined,
  });
  return decryptData(environment.secrets, { keys, displayRoot });
}

/**
 * The secret values of decrypted data as leak-scan needles, labelled `<source>:<key path>`; identifiers
 * (token id, user name, SSH public keys) are left out, they may appear anywhere.
 */
export function secretNeedles(data: PlainData, source: string): LeakNeedle[] {
  const needles: LeakNeedle[] = [];
  const walk = (node: unknown, path: string) => {
    if (isPublicPath(path)) return;
    if (typeof node === 'string' && node.length >= MIN_NEEDLE_LENGTH)
      needles.push({ label: `${source}:${path}`, value: node });
    else if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) walk(item, `${path}[${index}]`);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) walk(value, path ? `${path}.${key}` : key);
    }
  };
  walk(data, '');
  return needles;
}

/** Registers every string leaf (and the string forms of numbers) except the public identifiers. */
export function registerSecretValues(
  data: PlainData,
  isPublic: (path: string) => boolean = isPublicPath,
): number {
  let count = 0;
  const walk = (node: unknown, path: string) => {
    if (isPublic(path)) return;
    if (typeof node === 'string') {
      registerSecret(node);
      count++;
    } else if (typeof node === 'number' || typeof node === 'bigint') {
      registerSecret(String(node));
      count++;
    } else if (Array.isArray(node)) {
      for (const item of node) walk(item, path);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) walk(value, path ? `${path}.${key}` : key);
    }
  };
  walk(data, '');
  return count;
}

function isPublicPath(path: string): boolean {
  return PUBLIC_SECRET_PATHS.includes(path);
}

function displayPath(root: string, path: string): string {
  const rel = relative(root, path);
  return rel.startsWith('..') ? path : rel;
}
