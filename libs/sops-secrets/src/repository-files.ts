import { resolve } from 'node:path';
import { type CoreErrorCode, isInfraError, runProcess } from '@infra/core';

/**
 * Every file the repository holds, tracked or new (not ignored): where no decrypted value and no private key
 * may ever appear. Undefined when `repoRoot` is not a git work tree (or git is not installed).
 */
export async function repositoryFiles(repoRoot: string): Promise<string[] | undefined> {
  const result = await runProcess('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    // Paths, parsed here: the redactor must not rewrite one that happens to contain a registered value.
    rawStdout: true,
  }).catch((error: unknown) => {
    if (isInfraError<CoreErrorCode>(error, 'TOOL_MISSING')) return undefined;
    throw error;
  });
  if (result?.exitCode !== 0) return undefined;
  return [
    ...new Set(
      result.stdout
        .split('\0')
        .filter(Boolean)
        .map((path) => resolve(repoRoot, path)),
    ),
  ];
}
