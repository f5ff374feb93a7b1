import { copyFile, lstat, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { locateArchiveSource, SOURCE_ARCHIVES_SETTING } from '@infra/toolchain';
import { execa } from 'execa';

/**
 * A throw-away copy of a working tree for end-to-end tests: every tracked and untracked-but-not-ignored file
 * as it is on disk now (HEAD may be behind the work tree), with node_modules linked from the source.
 *
 * node_modules are real directories of links, not one link to the source's: workspace packages (`@infra/*`,
 * relative links) are re-created so they resolve to the copy's own libs, everything else points at the
 * source's installed packages. A package manager run in the copy can then only touch the copy's links.
 */
export async function copyWorkingTree(source: string, dest: string): Promise<{ files: number }> {
  const { stdout } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: source,
  });
  let files = 0;
  const made = new Set<string>();
  for (const path of stdout.split('\0').filter(Boolean)) {
    // Deleted but not yet committed files are still listed by --cached.
    const info = await lstat(join(source, path)).catch(() => undefined);
    if (!info?.isFile()) continue;
    const target = join(dest, path);
    if (!made.has(dirname(target))) {
      await mkdir(dirname(target), { recursive: true });
      made.add(dirname(target));
    }
    await copyFile(join(source, path), target); // keeps the mode (executable scripts stay executable)
    files++;
  }
  const packageDirs = ['.'];
  for (const group of ['libs', 'tools']) {
    const entries = await readdir(join(dest, group)).catch(() => []);
    packageDirs.push(...entries.map((entry) => join(group, entry)));
  }
  for (const dir of packageDirs)
    await linkNodeModules(join(source, dir, 'node_modules'), join(dest, dir, 'node_modules'));
  return { files };
}

async function linkNodeModules(source: string, dest: string): Promise<void> {
  const entries = await readdir(source).catch(() => undefined);
  if (!entries) return;
  await mkdir(dest, { recursive: true });
  for (const entry of entries) {
    if (entry === '@infra') await copyRelativeLinks(join(source, entry), join(dest, entry));
    else await symlink(join(source, entry), join(dest, entry));
  }
}

/** Workspace links are relative (`../../libs/core`): the same link text in the copy points into the copy. */
async function copyRelativeLinks(source: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const entry of await readdir(source)) {
    const from = join(source, entry);
    const info = await lstat(from);
    await symlink(info.isSymbolicLink() ? await readlink(from) : from, join(dest, entry));
  }
}

/**
 * The source-archive setting for processes run in a copy of `source`: the folder the original working tree
 * resolves (its $INFRA_SOURCE_ARCHIVES, else the `../shared/sources` beside it or its main worktree), as an
 * absolute path. The copy lives elsewhere (a temp dir, not a git worktree), so its own default would find
 * nothing; without this a test passes only where the variable happens to be exported. Empty when the
 * original finds no folder either (the run in the copy then reports that itself).
 */
export function sourceArchivesEnv(
  source: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const found = locateArchiveSource(source, env);
  if (found.kind === 'folder') return { [SOURCE_ARCHIVES_SETTING]: found.dir };
  if (found.kind === 'registry') return { [SOURCE_ARCHIVES_SETTING]: 'registry' };
  return {};
}
