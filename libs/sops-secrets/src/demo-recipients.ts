import { stat } from 'node:fs/promises';
import { InfraError } from '@infra/core';
import { publicKeysOf, readIdentityFile } from './age-keys';
import { PUBLISHED_DEMO_RECIPIENTS } from './demo-key';
import type { SopsErrorCode } from './error-codes';

/**
 * Recipients whose private key is no secret: each environment's own key file (`ageKeyFile`, only for the
 * embedded demo) and the ones published in this repository's history. Whatever is encrypted for them, anyone
 * can read.
 */
export async function demoRecipients(environmentKeyFiles: Iterable<string>): Promise<string[]> {
  const recipients = new Set(PUBLISHED_DEMO_RECIPIENTS);
  for (const file of new Set(environmentKeyFiles)) {
    const present = await stat(file).then(
      () => true,
      () => false,
    );
    if (!present) continue; // not generated yet: nothing can be encrypted for it
    for (const recipient of await publicKeysOf(await readIdentityFile(file))) recipients.add(recipient);
  }
  return [...recipients];
}

/** `add-recipient` with a demo key would let anyone read real secrets. */
export function assertNotDemoRecipient(recipient: string, demo: readonly string[]): void {
  if (!demo.includes(recipient)) return;
  throw new InfraError<SopsErrorCode>(
    'AGE_RECIPIENT_DEMO',
    `${recipient} is a demo key (an environment's ageKeyFile, or a key published in this repository); anyone can read what is encrypted for it`,
    {
      hint: 'add a real key: `age-keygen -y <your key file>` prints its public key (age1...)',
    },
  );
}
