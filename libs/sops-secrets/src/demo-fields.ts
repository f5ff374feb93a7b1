import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { InfraError, runProcess } from '@infra/core';
import { setAt } from './dotted-path';
import type { SopsErrorCode } from './error-codes';
import type { PlainData } from './formats';

/**
 * What the generated `local` demo secrets hold: one entry per field of the secrets schema
 * (secrets-schema.ts), each with its generator. Every value is fresh and random per clone and unlocks only the
 * embedded simulators. To add a secret: add the field to the schema and one entry here; every clone's demo
 * file gains the field on its next load (existing values are kept).
 */
export interface DemoField {
  /** Dotted path in the secrets document, e.g. `proxmox.tokenSecret`. */
  path: string;
  generate(): DemoValue | Promise<DemoValue>;
}
export type DemoValue = string | string[];

export const DEMO_FIELDS: readonly DemoField[] = [
  // The embedded simulator makes this token an administrator (proxmox-connect tokenAccounts).
  { path: 'proxmox.tokenId', generate: () => 'root@pam!infra' },
  { path: 'proxmox.tokenSecret', generate: () => randomUUID() },
  { path: 'admin.username', generate: () => 'infra' },
  // The hash of a random password nobody keeps.
  { path: 'admin.passwordHash', generate: () => sha512Crypt(randomBytes(18).toString('base64url')) },
  // The public half of a key whose private half is discarded.
  {
    path: 'admin.sshPublicKeys',
    generate: () => [ed25519PublicKeyLine('infra-demo (private half discarded)')],
  },
  // The deploy stage's OpenTofu state/plan encryption (libs/deploy).
  { path: 'tofu.statePassphrase', generate: () => randomBytes(32).toString('base64url') },
];

/** A complete set of fresh demo values, as a new clone gets them. */
export async function demoValues(): Promise<PlainData> {
  const data: PlainData = {};
  for (const field of DEMO_FIELDS) setAt(data, field.path, await field.generate());
  return data;
}

/** `$6$...` via `openssl passwd -6`, the password on stdin (never argv). */
export async function sha512Crypt(password: string): Promise<string> {
  const result = await runProcess('openssl', ['passwd', '-6', '-stdin'], {
    input: `${password}\n`,
    rawStdout: true,
  }).catch(() => undefined);
  if (result?.exitCode !== 0 || !result.stdout.startsWith('$6$')) {
    throw new InfraError<SopsErrorCode>(
      'OPENSSL_FAILED',
      'could not hash the demo password with `openssl passwd -6`',
      {
        hint: 'install openssl (Debian: apt-get install openssl)',
      },
    );
  }
  return result.stdout.trim();
}

/** An OpenSSH `ssh-ed25519 AAAA... comment` line for a fresh key whose private half is never kept. */
export function ed25519PublicKeyLine(comment: string): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const field = (data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}
