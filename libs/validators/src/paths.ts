import { isAbsolute, relative, resolve, sep } from 'node:path';

/** A repo-relative path with forward slashes, the form every finding uses. */
export function toRepoPath(repoRoot: string, path: string): string {
  const absolute = isAbsolute(path) ? path : resolve(repoRoot, path);
  const rel = relative(repoRoot, absolute);
  return (rel === '' ? '.' : rel).split(sep).join('/');
}

/**
 * Maps a path a tool printed while running in a scratch copy back to the repo file it came from. Tools run in
 * copies when they would otherwise write into the tree (`tofu init` writes `.terraform.lock.hcl`).
 */
export function fromScratchPath(path: string, scratchRoot: string, repoRoot: string, cwd: string): string {
  const absolute = isAbsolute(path) ? path : resolve(cwd, path);
  const inScratch = relative(scratchRoot, absolute);
  if (!inScratch.startsWith('..') && !isAbsolute(inScratch))
    return toRepoPath(repoRoot, resolve(repoRoot, inScratch));
  return toRepoPath(repoRoot, absolute);
}
