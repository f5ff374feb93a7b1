import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@infra/core';
import { z } from 'zod';
import type { CacheLayout } from './paths';
import type { Decision } from './plan';
import type { Resolution } from './shim-plan';

/** What the last install decided per tool, so doctor can say how each tool was obtained. */
const stateSchema = z.object({
  manifest: z.string(),
  updatedAt: z.string(),
  tools: z.record(
    z.string(),
    z.object({
      version: z.string(),
      obtained: z.string(),
      where: z.string(),
    }),
  ),
});

export type ToolchainState = z.infer<typeof stateSchema>;

export async function readState(layout: CacheLayout): Promise<ToolchainState | undefined> {
  const text = await readFile(layout.stateFile, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = stateSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

/** Merges this run's resolutions into the state (a partial `install tool` keeps the other entries). */
export async function writeState(
  layout: CacheLayout,
  manifest: string,
  decisions: readonly Decision[],
  resolutions: ReadonlyMap<string, Resolution>,
): Promise<void> {
  const previous = (await readState(layout).catch(() => undefined))?.tools ?? {};
  const tools = { ...previous };
  for (const d of decisions) {
    const resolution = resolutions.get(d.spec.id);
    if (!resolution) continue;
    tools[d.spec.id] =
      resolution.from === 'path'
        ? { version: d.spec.version, obtained: resolution.obtained, where: resolution.binary }
        : { version: d.spec.version, obtained: resolution.marker.method, where: resolution.home };
  }
  const state: ToolchainState = { manifest, updatedAt: new Date().toISOString(), tools };
  await writeFileAtomic(layout.stateFile, `${JSON.stringify(state, null, 2)}\n`);
}
