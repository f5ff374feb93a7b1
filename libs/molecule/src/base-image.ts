import { createHash } from 'node:crypto';

/**
 * The container image every Molecule scenario starts from: a minimal Debian rootfs made by debootstrap from the
 * Debian mirror and imported into podman. Its tag carries a hash of everything that defines it, so a changed
 * recipe means a new image and an unchanged one is built once per machine.
 */
export interface BaseImageSpec {
  suite: string;
  variant: 'minbase';
  /** Packages debootstrap adds; python3 is what Ansible needs on the target. */
  include: readonly string[];
  mirror: string;
}

/** Bump when the way the image is made changes (not its inputs above, which are hashed anyway). */
export const BASE_IMAGE_RECIPE_VERSION = 1;
export const BASE_IMAGE_REPOSITORY = 'localhost/infra-molecule-debian';
export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

export function defaultBaseImageSpec(env: Record<string, string | undefined> = process.env): BaseImageSpec {
  return {
    suite: 'bookworm',
    variant: 'minbase',
    include: ['python3'],
    mirror: env.INFRA_DEBIAN_MIRROR || DEFAULT_DEBIAN_MIRROR,
  };
}

export function baseImageKey(spec: BaseImageSpec): string {
  const material = JSON.stringify({
    recipe: BASE_IMAGE_RECIPE_VERSION,
    suite: spec.suite,
    variant: spec.variant,
    include: [...spec.include].sort(),
    mirror: spec.mirror.replace(/\/+$/, ''),
  });
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

/** `localhost/infra-molecule-debian:bookworm-<key>`. */
export const baseImageTag = (spec: BaseImageSpec) =>
  `${BASE_IMAGE_REPOSITORY}:${spec.suite}-${baseImageKey(spec)}`;

/** The debootstrap arguments for a rootfs in `dir` (the reference recipe: minbase plus python3). */
export const debootstrapArgs = (spec: BaseImageSpec, dir: string): string[] => [
  `--variant=${spec.variant}`,
  `--include=${spec.include.join(',')}`,
  spec.suite,
  dir,
  spec.mirror,
];
