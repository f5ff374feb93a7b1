import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@infra/core';
import type { ToolSpec } from './manifest';
import { type CacheLayout, providerMirror } from './paths';
import { type MirroredProvider, renderTofuCliConfig } from './tofu-cli-config';

/** The pinned providers whose mirror holds a built binary right now. */
export async function installedProviders(
  specs: readonly ToolSpec[],
  layout: CacheLayout,
): Promise<MirroredProvider[]> {
  const providers: MirroredProvider[] = [];
  for (const spec of specs) {
    const { recipe } = spec;
    if (recipe.kind !== 'provider') continue;
    const mirror = providerMirror(layout, recipe.cacheName, recipe.address, spec.version);
    const present = await access(mirror.binary, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (present)
      providers.push({ address: recipe.address, version: spec.version, mirrorRoot: mirror.mirrorRoot });
  }
  return providers;
}

/**
 * (Re)writes $INFRA_CACHE_DIR/tools/tofu/cli.tfrc for the providers that are installed. A provider that is
 * pinned but not built (e.g. an optional one the proxy refuses) is left to the registry.
 */
export async function writeTofuCliConfig(
  specs: readonly ToolSpec[],
  layout: CacheLayout,
  manifest: string,
): Promise<string> {
  const content = renderTofuCliConfig(await installedProviders(specs, layout), manifest);
  const current = await readFile(layout.tofuCliConfig, 'utf8').catch(() => undefined);
  if (current !== content) await writeFileAtomic(layout.tofuCliConfig, content, { mode: 0o644 });
  return layout.tofuCliConfig;
}
