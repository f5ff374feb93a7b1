import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@infra/core';
import { z } from 'zod';
import { MARKER_FILE } from './paths';

/**
 * A tool directory counts as installed only when its marker exists: the marker is written last, and for
 * relocatable tools the whole directory is built under a temporary name and renamed into place. A killed
 * install therefore leaves either nothing, or a temp dir / markerless dir that the next run deletes.
 */
const markerSchema = z.object({
  id: z.string(),
  version: z.string(),
  /** How it was obtained: `go install`, `go build`, `pip`, `apt-get download`, ... */
  method: z.string(),
  /**
   * Where it came from: `Go module proxy (module@vX)`, `source archive <path> (sha256 <hex>, verified)`,
   * `PyPI`, `Debian (...)`. Older markers lack it; doctor then derives it from the method (origin.ts).
   */
  origin: z.string().optional(),
  obtainedAt: z.string(),
  durationMs: z.number(),
  /** Command name → path relative to the tool directory (or absolute for things outside it). */
  bins: z.record(z.string(), z.string()),
  extra: z.record(z.string(), z.unknown()).optional(),
});

export type Marker = z.infer<typeof markerSchema>;
export type MarkerInput = Omit<Marker, 'obtainedAt' | 'durationMs'>;

const TEMP_INFIX = '.tmp-';

export function resolveBin(toolDir: string, path: string): string {
  return path.startsWith('/') ? path : join(toolDir, path);
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The marker of a complete install of `version`, or undefined (missing, other version, or a binary gone). */
export async function readMarker(toolDir: string, version: string): Promise<Marker | undefined> {
  const text = await readFile(join(toolDir, MARKER_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let parsed: Marker;
  try {
    parsed = markerSchema.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
  if (parsed.version !== version) return undefined;
  for (const path of Object.values(parsed.bins)) {
    if (!(await isExecutable(resolveBin(toolDir, path)))) return undefined;
  }
  return parsed;
}

async function writeMarker(dir: string, input: MarkerInput, startedAt: number): Promise<Marker> {
  const marker: Marker = {
    ...input,
    obtainedAt: new Date().toISOString(),
    durationMs: Date.now() - startedAt,
  };
  await writeFileAtomic(join(dir, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`);
  return marker;
}

/** Builds into `<finalDir>.tmp-<random>`, writes the marker, then swaps the directory into place. */
export async function installAtomically(
  finalDir: string,
  build: (tempDir: string) => Promise<MarkerInput>,
): Promise<Marker> {
  const startedAt = Date.now();
  await mkdir(dirname(finalDir), { recursive: true });
  const tempDir = `${finalDir}${TEMP_INFIX}${randomBytes(4).toString('hex')}`;
  await mkdir(tempDir);
  try {
    const input = await build(tempDir);
    const marker = await writeMarker(tempDir, input, startedAt);
    await rm(finalDir, { recursive: true, force: true });
    await rename(tempDir, finalDir);
    return marker;
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    // Leave no empty `<tool>/` behind either (fails harmlessly when other versions live there).
    await rmdir(dirname(finalDir)).catch(() => undefined);
    throw error;
  }
}

/**
 * For installs that cannot move after creation (a venv hard-codes its path): wipe, build in place, and
 * write the marker last. On failure the directory is removed again.
 */
export async function installInPlace(
  finalDir: string,
  build: (dir: string) => Promise<MarkerInput>,
): Promise<Marker> {
  const startedAt = Date.now();
  await rm(finalDir, { recursive: true, force: true });
  await mkdir(finalDir, { recursive: true });
  try {
    const input = await build(finalDir);
    return await writeMarker(finalDir, input, startedAt);
  } catch (error) {
    await rm(finalDir, { recursive: true, force: true });
    throw error;
  }
}

/** Removes what killed installs left behind: temp dirs next to tool versions, and the scratch work dir. */
export async function removeStaleTemps(toolsDir: string, workDir: string): Promise<string[]> {
  const removed: string[] = [];
  const tools = await readdir(toolsDir, { withFileTypes: true }).catch(() => []);
  for (const tool of tools) {
    if (!tool.isDirectory()) continue;
    const versions = await readdir(join(toolsDir, tool.name)).catch(() => []);
    for (const entry of versions) {
      if (entry.includes(TEMP_INFIX)) {
        const path = join(toolsDir, tool.name, entry);
        await rm(path, { recursive: true, force: true });
        removed.push(path);
      }
    }
  }
  const scratch = await readdir(workDir).catch(() => []);
  for (const entry of scratch) {
    await rm(join(workDir, entry), { recursive: true, force: true });
    removed.push(join(workDir, entry));
  }
  return removed;
}
