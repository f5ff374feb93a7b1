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
  const [{ loadSchematicFile }, { fingerprintTag, talosSpec, templateFingerprint }] = await Promise.all([
    import('@infra/talos-factory'),
    import('@infra/template-builder'),
  ]);
  const schematic = await loadSchematicFile(environment.talos.schematic);
  const spec = talosSpec(environment, schematic.id);
  const config = relative(environment.repoRoot, environment.configFile);
  return {
    wanted: {
      tag: fingerprintTag(templateFingerprint(spec)),
      source: `${config}: environments.${environment.name}.talos and .proxmox`,
      build: `pnpm nx run talos:build-image -c ${environment.name}`,
    },
    schematicId: schematic.id,
    talosVersion: spec.talosVersion,
  };
}
