import { join } from 'node:path';
import type { Environment, VmHardware } from '@infra/config';
import {
  checkNvidiaExtensions,
  FactoryClient,
  imageFactoryUrls,
  loadSchematicFile,
  parseTalosVersion,
} from '@infra/talos-factory';
import type { PlannedRecipe, TemplatePlacement } from '../plan';
import type { TemplateRecipe } from '../recipe';
import { imageSha256 } from '../talos/checksum';
import { placementOf } from './common';

export const TALOS_TAGS = ['infra', 'talos'] as const;

/**
 * Talos: the disk image of an Image Factory schematic (qemu-guest-agent + NVIDIA extensions). Its identity is
 * the schematic ID computed offline, the Talos version, platform and arch; its source is the factory (versions
 * and extensions checked, the schematic registered, the image's sha256 computed once since the factory
 * publishes none). No golden stage: the Talos image is final.
 */
export async function talosRecipe(environment: Environment): Promise<TemplateRecipe> {
  const schematic = await loadSchematicFile(environment.talos.schematic);
  const extensions = schematic.schematic.customization.systemExtensions?.officialExtensions ?? [];
  const talosVersion = parseTalosVersion(environment.talos.version).text;
  const { platform, arch } = environment.talos;
  const cacheDir = join(environment.repoRoot, '.infra', 'cache', 'factory');
  const planned = talosPlannedRecipe({
    schematicId: schematic.id,
    talosVersion,
    platform,
    arch,
    hardware: environment.talos.hardware,
    placement: placementOf(environment),
    bridge: environment.proxmox.bridge,
  });
  return {
    ...planned,
    base: 'template',
    sourceSetting: 'talos.factory',
    warnings: [...schematic.warnings, ...checkNvidiaExtensions(extensions)],
    async source({ connection, dryRun, logger }) {
      const factoryUrl = await connection.factoryUrl();
      const factory = new FactoryClient({ baseUrl: factoryUrl, cacheDir, onWarning: (w) => logger?.warn(w) });
      await factory.assertVersion(talosVersion);
      await factory.assertExtensions(talosVersion, extensions);
      const url = imageFactoryUrls({
        factoryUrl,
        schematicId: schematic.id,
        talosVersion,
        platform,
        arch,
        diskImageFormat: 'qcow2',
      }).disk_image;
      if (!dryRun) {
        await factory.createSchematic(schematic);
        logger?.info(`registered schematic ${schematic.id} at ${factory.baseUrl} (factory ID = offline ID)`);
      }
      return {
        // Proxmox imports only uncompressed qcow2/raw, so the factory's qcow2 is downloaded as is.
        url,
        filename: `talos-${talosVersion}-${schematic.id.slice(0, 12)}-${platform}-${arch}.qcow2`,
        algorithm: 'sha256',
        checksum: dryRun
          ? '<sha256 of the image, computed before the download>'
          : await imageSha256(url, { cacheDir }),
      };
    },
  };
}

export interface TalosFields {
  schematicId: string;
  talosVersion: string;
  platform: string;
  arch: string;
  hardware: VmHardware;
  placement: TemplatePlacement;
  bridge: string;
}

/** The pure part of the Talos recipe (what the planner sees). */
export function talosPlannedRecipe(t: TalosFields): PlannedRecipe {
  return {
    os: 'talos',
    placement: t.placement,
    bridge: t.bridge,
    hardware: t.hardware,
    fingerprintInputs: {
      schematicId: t.schematicId,
      talosVersion: t.talosVersion,
      platform: t.platform,
      arch: t.arch,
    },
    templateName: () => `talos-${t.talosVersion}-${t.schematicId.slice(0, 8)}`,
    what: `the Talos ${t.talosVersion} disk image`,
    tags: [...TALOS_TAGS],
    identity: {
      schematicId: t.schematicId,
      talosVersion: t.talosVersion,
      platform: t.platform,
      arch: t.arch,
    },
    // The nocloud platform reads its config from a cloud-init (cidata) drive.
    vmExtras: (disks): Record<string, string> =>
      t.platform === 'nocloud' ? { ide2: `${disks}:cloudinit` } : {},
  };
}
