import { cp } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';

/**
 * Copies the top-level IaC folder that holds the project (e.g. all of `terraform/`, so `../../modules/x` still
 * resolves) into `scratchRoot`, keeping repo-relative paths, and returns the project's path inside the copy.
 * Tool state (.terraform, lock files written by earlier runs) is left behind.
 */
export async function copyProjectTree(
  repoRoot: string,
  projectRoot: string,
  scratchRoot: string,
): Promise<string> {
  const rel = relative(repoRoot, projectRoot);
  const top = rel.split(sep)[0] ?? rel;
  await cp(join(repoRoot, top), join(scratchRoot, top), {
    recursive: true,
    filter: (source) =>
      !['.terraform', '.terraform.lock.hcl', 'node_modules', '.git'].includes(basename(source)),
  });
  return join(scratchRoot, rel);
}
