import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError, writeFileAtomic } from '@infra/core';
import { loadManifest } from '@infra/toolchain';
import type { TemplateBuilderErrorCode } from '../error-codes';
import { type GeneratedFile, type PluginPins, renderPackerFiles, SHARED_DIR, type Templates } from './render';
import { PACKER_IMAGES } from './spec';

/** Every generated Packer file, rendered from the templates in packer/_shared and the pins in mise.toml. */
export async function renderAll(repoRoot: string): Promise<GeneratedFile[]> {
  const dir = join(repoRoot, SHARED_DIR);
  const names = (await readdir(dir)).filter((name) => name.endsWith('.tmpl'));
  const templates: Templates = Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, await readFile(join(dir, name), 'utf8')] as const)),
  );
  const { specs } = await loadManifest(repoRoot);
  const pins: PluginPins = Object.fromEntries(
    specs.filter((s) => s.recipe.kind === 'packer-plugin').map((s) => [s.key, s.version]),
  );
  return Object.entries(PACKER_IMAGES).flatMap(([os, spec]) => renderPackerFiles(os, spec, templates, pins));
}

/** The generated files whose committed content differs from what the templates give (missing ones too). */
export async function stalePackerFiles(repoRoot: string): Promise<GeneratedFile[]> {
  const stale: GeneratedFile[] = [];
  for (const file of await renderAll(repoRoot)) {
    const committed = await readFile(join(repoRoot, file.path), 'utf8').catch(() => undefined);
    if (committed !== file.content) stale.push(file);
  }
  return stale;
}

/** Writes the stale files (atomically); returns their paths. */
export async function writePackerFiles(repoRoot: string): Promise<string[]> {
  const stale = await stalePackerFiles(repoRoot);
  for (const file of stale) await writeFileAtomic(join(repoRoot, file.path), file.content);
  return stale.map((f) => f.path);
}

/** PACKER_FILES_STALE naming every file that differs, with the command that fixes it. */
export async function checkPackerFiles(repoRoot: string): Promise<string[]> {
  const rendered = await renderAll(repoRoot);
  const stale = await stalePackerFiles(repoRoot);
  if (stale.length > 0) {
    throw new InfraError<TemplateBuilderErrorCode>(
      'PACKER_FILES_STALE',
      `generated Packer files differ from ${SHARED_DIR} and the spec: ${stale.map((f) => f.path).join(', ')}`,
      {
        hint: 'run `./infra packer-files generate` and commit the result (edit the templates, not the generated files)',
        details: { stale: stale.map((f) => f.path) },
      },
    );
  }
  return rendered.map((f) => f.path);
}
