import { relative } from 'node:path';
import type { Environment } from '@infra/config';
import type { WantedTemplate } from './templates';

/**
 * The golden templates an environment's root module clones, by the fingerprint the template builder gives
 * them: the same computation as the build, so deploy finds exactly what `build-image` made for this config.
 */
export async function talosTemplate(environment: Environment): Promise<{
  wanted: WantedTemplate;
  schematicId: string;
  talosVersion: string;
}> {
  const { fingerprintTag, recipeFor, templateFingerprint } = await import('@infra/template-builder');
  const recipe = await recipeFor(environment, 'talos');
  const config = relative(environment.repoRoot, environment.configFile);
  return {
    wanted: {
      tag: fingerprintTag(templateFingerprint(recipe)),
      source: `${config}: environments.${environment.name}.talos and .proxmox`,
      build: `pnpm nx run talos:build-image -c ${environment.name}`,
    },
    schematicId: recipe.identity.schematicId ?? '',
    talosVersion: recipe.identity.talosVersion ?? '',
  };
}
