import { posix } from 'node:path';
import type { WorkspaceReader } from '../references';

/**
 * A WorkspaceReader over an in-memory tree (path → content); folders are implied by the paths. `links`:
 * symbolic link path → workspace-relative target.
 */
export function memoryReader(
  tree: Readonly<Record<string, string>>,
  links: Readonly<Record<string, string>> = {},
): WorkspaceReader {
  const dirs = new Set<string>();
  for (const file of Object.keys(tree)) {
    for (let dir = posix.dirname(file); dir !== '.'; dir = posix.dirname(dir)) dirs.add(dir);
  }
  const children = (dir: string, pool: Iterable<string>) =>
    [...pool].filter((p) => posix.dirname(p) === dir).sort();
  return {
    readFile: (path) => tree[path],
    stat: (path) => (path in tree ? 'file' : dirs.has(path) ? 'dir' : undefined),
    listFiles: (dir) => children(dir, Object.keys(tree)),
    listDirs: (dir) => children(dir, dirs),
    listLinks: (dir) => children(dir, Object.keys(links)).map((path) => ({ path, target: links[path]! })),
  };
}
