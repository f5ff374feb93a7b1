import { resolve } from 'node:path';
import { execa } from 'execa';

/**
 * Every file the repository holds, tracked or new (not ignored): where no decrypted value and no private key
 * may ever appear. Undefined when `repoRoot` is not a git work tree.
 */
export async function repositoryFiles(repoRoot: string): Promise<string[] | undefined> {
  const result = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    reject: false,
    stdin: 'ignore',
  });
  if (result.exitCode !== 0) return undefined;
  return [
    ...new Set(
      result.stdout
        .split('\0')
        .filter(Boolean)
        .map((path) => resolve(repoRoot, path)),
    ),
  ];
}
