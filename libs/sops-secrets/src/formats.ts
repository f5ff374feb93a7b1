import { basename } from 'node:path';
import { InfraError } from '@infra/core';
import { stringify as stringifyYaml } from 'yaml';
import type { SopsErrorCode } from './error-codes';

/** The document formats sops understands and this project uses (INI and binary are not used for secrets). */
export type SopsFormat = 'yaml' | 'json' | 'dotenv';

/**
 * The format sops itself would pick from the file name (its rule: the extension, `.env` → dotenv). Anything
 * else would be treated by sops as an opaque binary blob, which hides every key from `check`, so it is refused.
 */
export function formatOf(path: string): SopsFormat {
  const name = basename(path).toLowerCase();
  if (name.endsWith('.yaml') || name.endsWith('.yml')) return 'yaml';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.env')) return 'dotenv';
  throw new InfraError<SopsErrorCode>(
    'SECRETS_UNSUPPORTED_FORMAT',
    `${path}: cannot tell the secrets format from the file name`,
    {
      hint: 'name secrets files *.enc.yaml, *.enc.json or *.enc.env',
    },
  );
}

export function isSupportedSecretsFile(path: string): boolean {
  return /\.(ya?ml|json|env)$/i.test(basename(path));
}

/** A flat map is all dotenv can hold; nested data needs YAML or JSON. */
export type PlainData = Record<string, unknown>;

/** Serializes plaintext data in the format the target file will have (sops parses it back from stdin). */
export function serializePlain(data: PlainData, format: SopsFormat, path = '(stdin)'): string {
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  if (format === 'yaml') return stringifyYaml(data);
  const lines: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new InfraError<SopsErrorCode>(
        'SECRETS_DOTENV_KEY',
        `${path}: "${key}" is not a valid dotenv variable name`,
        {
          hint: 'use letters, digits and underscores, not starting with a digit',
        },
      );
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new InfraError<SopsErrorCode>(
        'SECRETS_DOTENV_VALUE',
        `${path}: ${key}: dotenv files hold only flat string values`,
        {
          hint: 'use a .enc.yaml or .enc.json file for nested data',
        },
      );
    }
    const text = String(value);
    if (text.includes('\n')) {
      throw new InfraError<SopsErrorCode>(
        'SECRETS_DOTENV_VALUE',
        `${path}: ${key}: dotenv values cannot span lines`,
        {
          hint: 'use a .enc.yaml file for multi-line values such as kubeconfigs',
        },
      );
    }
    lines.push(`${key}=${text}`);
  }
  return `${lines.join('\n')}\n`;
}
