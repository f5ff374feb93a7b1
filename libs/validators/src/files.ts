import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Directories no validator looks into: tool caches and generated state. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '.nx',
  '.infra',
  '.terraform',
  '.ansible',
  '__pycache__',
]);

/** Every file under `dir` (absolute paths, sorted), skipping caches. A missing dir is simply empty. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(path);
      } else if (entry.isFile()) {
        out.push(path);
      }
    }
  };
  await walk(dir);
  return out.sort();
}

export const isYamlFile = (path: string) => /\.ya?ml$/i.test(path);

/** cloud-init user-data lives in a `cloud-init/` folder of the image that uses it (e.g. packer/debian/cloud-init/). */
export const isCloudInitUserData = (path: string) =>
  /(^|\/)cloud-init\/(.+\/)?[^/]*user-data[^/]*$/.test(path.replaceAll('\\', '/'));
