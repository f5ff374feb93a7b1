import type { Environment } from '@infra/config';
import { isEmbedded, type ProxmoxEnvironment } from './environment';

export interface HostImages {
  /** The catalog as this host fetches it: on the embedded host with `imageMirror: embedded`, the mirror's copies. */
  images: Environment['images'];
  stop(): Promise<void>;
}

/**
 * The environment's images as its host downloads them. The embedded simulator fetches loopback URLs only, so
 * `imageMirror: embedded` starts the image mirror (`@infra/image-mirror-sim`) for this connection and points
 * every source at its copy, each with that copy's own checksum; a real host gets the catalog unchanged.
 */
export async function openHostImages(environment: ProxmoxEnvironment): Promise<HostImages> {
  const images = environment.images ?? {};
  if (!isEmbedded(environment) || environment.imageMirror !== 'embedded' || Object.keys(images).length === 0)
    return { images, stop: async () => {} };
  // Loaded on demand: real endpoints never need the mirror.
  const { mirroredImages, startImageMirror } = await import('@infra/image-mirror-sim');
  const mirror = await startImageMirror({ images });
  return { images: mirroredImages(images, mirror), stop: () => mirror.stop() };
}
