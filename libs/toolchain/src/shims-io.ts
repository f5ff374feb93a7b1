import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@infra/core';
import { isOurShim, renderShim, type ShimSpec } from './shim';

/**
 * Writes the shims (only those whose content changed) and, with `prune`, removes shims we wrote earlier
 * for tools no longer pinned. Files in the bin directory that we did not write are never touched.
 */
export async function syncShims(
  binDir: string,
  shims: readonly ShimSpec[],
  options: { prune: boolean; keep?: ReadonlySet<string> },
): Promise<{ written: string[]; removed: string[] }> {
  const written: string[] = [];
  const removed: string[] = [];
  const wanted = new Set([...shims.map((s) => s.name), ...(options.keep ?? [])]);
  for (const shim of shims) {
    const path = join(binDir, shim.name);
    const content = renderShim(shim);
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current === content) continue;
    if (current !== undefined && !isOurShim(current)) {
      // Someone put their own file here; replacing it silently would be rude, but the pin must win.
      written.push(`${shim.name} (replaced a file not written by toolchain)`);
    } else {
      written.push(shim.name);
    }
    await writeFileAtomic(path, content, { mode: 0o755 });
  }
  if (options.prune) {
    for (const name of await readdir(binDir).catch(() => [] as string[])) {
      if (wanted.has(name) || name.startsWith('.')) continue;
      const content = await readFile(join(binDir, name), 'utf8').catch(() => '');
      if (isOurShim(content)) {
        await rm(join(binDir, name), { force: true });
        removed.push(name);
      }
    }
  }
  return { written, removed };
}
