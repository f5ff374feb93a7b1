import type { TalosArch } from './factory/platforms';
import { type ImageFactoryUrls, imageFactoryUrls } from './factory/urls';
import { loadSchematicFile, type ResolvedSchematic } from './schematic/schematic';
import { parseTalosVersion } from './version';

/** The `talos` part of an environment from @infra/config (paths absolute). */
export interface TalosEnvironmentLike {
  talos: {
    version: string;
    platform: string;
    arch: TalosArch;
    /** Absolute path of the schematic file. */
    schematic: string;
    /** `embedded` or a factory URL. */
    factory: string;
  };
}

/** Stand-in host for the embedded factory simulator, whose port is only known once it runs (RFC 2606 `.invalid`). */
export const EMBEDDED_FACTORY_PLACEHOLDER = 'http://embedded-factory.invalid';

export interface EnvironmentImageUrls {
  schematic: ResolvedSchematic;
  talosVersion: string;
  platform: string;
  arch: TalosArch;
  factoryUrl: string;
  embedded: boolean;
  urls: ImageFactoryUrls;
  /** The uncompressed qcow2 disk image, which Proxmox's download-url can store as `import` content. */
  proxmoxImportImage: string;
}

/** Offline: the schematic ID and every image URL for the environment's Talos settings. */
export async function environmentImageUrls(
  environment: TalosEnvironmentLike,
  options: { sortExtensions?: boolean; factoryUrl?: string } = {},
): Promise<EnvironmentImageUrls> {
  const { talos } = environment;
  const schematic = await loadSchematicFile(talos.schematic, { sortExtensions: options.sortExtensions });
  const embedded = talos.factory === 'embedded';
  const factoryUrl = options.factoryUrl ?? (embedded ? EMBEDDED_FACTORY_PLACEHOLDER : talos.factory);
  const talosVersion = parseTalosVersion(talos.version).text;
  const base = {
    factoryUrl,
    schematicId: schematic.id,
    talosVersion,
    platform: talos.platform,
    arch: talos.arch,
  };
  return {
    schematic,
    talosVersion,
    platform: talos.platform,
    arch: talos.arch,
    factoryUrl,
    embedded,
    urls: imageFactoryUrls(base),
    proxmoxImportImage: imageFactoryUrls({ ...base, diskImageFormat: 'qcow2' }).disk_image,
  };
}
