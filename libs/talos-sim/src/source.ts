import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The Go module of the simulator, next to this package's sources. */
export const GO_SOURCE_DIR = join(import.meta.dirname, '..', 'go');

/** Files that define the binary: go.mod, go.sum and the non-test Go files (tests don't change what is built). */
export async function sourceFiles(dir: string = GO_SOURCE_DIR): Promise<string[]> {
  const names = await readdir(dir);
  return names
    .filter((n) => n === 'go.mod' || n === 'go.sum' || (n.endsWith('.go') && !n.endsWith('_test.go')))
    .sort();
}

/**
 * SHA-256 over the names and contents of the source files: the cache key of the built binary, so an edited
 * simulator is rebuilt and an unchanged one is reused across clones and runs.
 */
export async function sourceHash(dir: string = GO_SOURCE_DIR): Promise<string> {
  const hash = createHash('sha256');
  for (const name of await sourceFiles(dir)) {
    hash.update(name).update('\0');
    hash.update(await readFile(join(dir, name))).update('\0');
  }
  return hash.digest('hex');
}
