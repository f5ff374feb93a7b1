import { InfraError } from '@infra/core';
import { stringify as stringifyYaml } from 'yaml';
import type { SopsErrorCode } from './error-codes';
import type { PlainData } from './formats';

/**
 * Picks one value out of decrypted data by a dotted key path (`proxmox.tokenSecret`, `admin.sshPublicKeys.0`)
 * and renders it for `secrets.ts show --key`: scalars as-is, subtrees as YAML.
 */
export function selectKey(data: PlainData, keyPath: string, file: string): string {
  let node: unknown = data;
  const walked: string[] = [];
  for (const key of keyPath.split('.').filter(Boolean)) {
    walked.push(key);
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) {
      const available =
        node !== null && typeof node === 'object' ? Object.keys(node).join(', ') : '(a value, not a map)';
      throw new InfraError<SopsErrorCode>('SECRETS_KEY_NOT_FOUND', `${file} has no key ${walked.join('.')}`, {
        hint: `keys at that level: ${available}`,
      });
    }
    node = (node as Record<string, unknown>)[key];
  }
  return renderValue(node);
}

export function renderValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return stringifyYaml(value).trimEnd();
}
