import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type ArchiveFinding,
  type ArchiveNeed,
  type ArchiveSource,
  archiveProblems,
  archivesFolderMissing,
  resolveArchiveSource,
} from './archives';

export async function sha256File(path: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return hash.digest('hex');
}

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/**
 * For a linked git worktree (`.git` is a file `gitdir: <main>/.git/worktrees/<name>`), the main worktree's
 * root: the shared folder sits next to the repository, not next to each worktree.
 */
export function mainWorktreeRoot(root: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, '.git'), 'utf8');
  } catch {
    return undefined;
  }
  const gitdir = /^gitdir:\s*(.+)$/m.exec(text)?.[1]?.trim();
  if (!gitdir) return undefined;
  const absolute = resolve(root, gitdir);
  const at = absolute.lastIndexOf('/.git/worktrees/');
  return at === -1 ? undefined : absolute.slice(0, at);
}

export function locateArchiveSource(root: string, env: NodeJS.ProcessEnv = process.env): ArchiveSource {
  const main = mainWorktreeRoot(root);
  return resolveArchiveSource(env, main ? [root, main] : [root], isDirectory);
}

/** Each needed archive's path, checked against its pin; one error for everything that is wrong. */
export async function verifyArchives(
  source: ArchiveSource,
  needs: readonly ArchiveNeed[],
): Promise<Map<string, { path: string; sha256: string }>> {
  const verified = new Map<string, { path: string; sha256: string }>();
  if (needs.length === 0 || source.kind === 'registry') return verified;
  if (source.kind === 'missing') throw archivesFolderMissing(source, needs);
  const findings: ArchiveFinding[] = [];
  for (const need of needs) {
    const path = join(source.dir, need.file);
    findings.push({ need, path, actual: await sha256File(path) });
  }
  const problem = archiveProblems(findings);
  if (problem) throw problem;
  for (const finding of findings) {
    verified.set(finding.need.spec.id, { path: finding.path, sha256: finding.actual! });
  }
  return verified;
}
