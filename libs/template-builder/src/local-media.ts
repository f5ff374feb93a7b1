import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { InfraError } from '@infra/core';
import type { TemplateBuilderErrorCode } from './error-codes';
import type { InstallMedium } from './plan-media';

/**
 * Checks a local copy of an install medium (`images.<os>.source.path`) against its pin before anything else is
 * said about it: a missing file or a wrong checksum is the user's to fix, with the field and both values named.
 */
export async function verifyLocalCopy(medium: InstallMedium & { localPath: string }): Promise<void> {
  const hash = createHash(medium.algorithm);
  try {
    for await (const chunk of createReadStream(medium.localPath)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new InfraError<TemplateBuilderErrorCode>(
      'ISO_LOCAL_COPY_MISSING',
      `${medium.setting}.path: cannot read ${medium.localPath} (${(error as Error).message})`,
      {
        hint: `download the ISO from ${medium.url} and set ${medium.setting}.path to where it is`,
        cause: error,
      },
    );
  }
  const actual = hash.digest('hex');
  if (actual !== medium.checksum) {
    throw new InfraError<TemplateBuilderErrorCode>(
      'ISO_CHECKSUM_MISMATCH',
      `${medium.setting}.path: ${medium.localPath} has ${medium.algorithm} ${actual}, expected ${medium.checksum} (${medium.setting}.checksum)`,
      {
        hint: `the file is not the pinned ISO (a partial download, or another release): download it again, or pin its checksum in ${medium.setting}.checksum if you meant to change the release`,
        details: { path: medium.localPath, expected: medium.checksum, actual },
      },
    );
  }
}
