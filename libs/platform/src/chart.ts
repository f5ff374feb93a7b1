import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InfraError } from '@infra/core';
import { locateArchiveSource, SOURCE_ARCHIVES_SETTING } from '@infra/toolchain';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import type { PlatformErrorCode } from './errors';

/** mise.toml `[_.charts]`: each chart's version, its archive's file name and sha256. mise never parses `_`. */
const chartPinSchema = z.strictObject({
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'expected an exact chart version like "0.20.0"'),
  archive: z
    .string()
    .regex(/^[\w.-]+\.t(ar\.)?gz$/, 'expected an archive file name like chart-v1.0.0.tar.gz'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (`sha256sum <archive>`)'),
});
export type ChartPin = z.infer<typeof chartPinSchema>;
const miseSchema = z.looseObject({
  _: z.looseObject({ charts: z.record(z.string(), chartPinSchema).default({}) }).optional(),
});

export function parseChartPins(text: string): Record<string, ChartPin> {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (error) {
    throw new InfraError<PlatformErrorCode>(
      'PLATFORM_CHART_MISSING',
      `mise.toml: not valid TOML: ${(error as Error).message}`,
      {
        hint: 'fix the TOML syntax',
      },
    );
  }
  const parsed = miseSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InfraError<PlatformErrorCode>(
      'PLATFORM_CHART_MISSING',
      `mise.toml: ${issue.path.join('.')}: ${issue.message}`,
      {
        hint: '[_.charts] entries are { version = "x.y.z", archive = "<file>", sha256 = "<64 hex>" }',
      },
    );
  }
  return parsed.data._?.charts ?? {};
}

/**
 * The archives folder, as @infra/toolchain finds it for the tools it builds: $INFRA_SOURCE_ARCHIVES, else
 * `../shared/sources` next to the repository (or its main worktree). Undefined when there is none, or when the
 * setting says `registry` (no chart registry is used: the chart is rendered from the archive only).
 */
export function sourceArchivesDir(
  repoRoot: string,
  env: Record<string, string | undefined>,
): string | undefined {
  const source = locateArchiveSource(repoRoot, env);
  return source.kind === 'folder' ? source.dir : undefined;
}

/** The pinned chart archive, checked against its sha256 before Helm reads it. */
export async function chartArchive(
  repoRoot: string,
  chart: string,
  env: Record<string, string | undefined>,
): Promise<{ path: string; pin: ChartPin }> {
  const pins = parseChartPins(await readFile(join(repoRoot, 'mise.toml'), 'utf8'));
  const pin = pins[chart];
  if (!pin) {
    throw new InfraError<PlatformErrorCode>(
      'PLATFORM_CHART_MISSING',
      `mise.toml [_.charts] has no entry "${chart}"`,
      {
        hint: `pin it: [_.charts] ${chart} = { version = "...", archive = "...", sha256 = "..." }`,
      },
    );
  }
  const dir = sourceArchivesDir(repoRoot, env);
  const path = dir ? join(dir, pin.archive) : undefined;
  let bytes: Buffer;
  try {
    if (!path) throw new Error('no folder');
    bytes = await readFile(path);
  } catch {
    throw new InfraError<PlatformErrorCode>(
      'PLATFORM_CHART_MISSING',
      `the chart archive ${pin.archive} (${chart} ${pin.version}) is not in ${path ? dirname(path) : `$${SOURCE_ARCHIVES_SETTING} (unset, and no ../shared/sources)`}`,
      { hint: `set ${SOURCE_ARCHIVES_SETTING} to the folder holding ${pin.archive} (sha256 ${pin.sha256})` },
    );
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== pin.sha256) {
    throw new InfraError<PlatformErrorCode>(
      'PLATFORM_CHART_CHECKSUM',
      `${path}: sha256 ${actual} does not match the pin ${pin.sha256} (mise.toml [_.charts] ${chart})`,
      { hint: 'use the unmodified archive, or update the pin after checking where the new one comes from' },
    );
  }
  return { path, pin };
}
