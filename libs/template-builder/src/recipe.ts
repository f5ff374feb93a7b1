import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import type { Connection } from './connect';
import type { GoldenRecipe } from './golden/stage';
import type { ImageSource, PlannedRecipe } from './plan';
import { cloudImageRecipe } from './recipes/cloud-image';
import { talosRecipe } from './recipes/talos';

/**
 * What one OS supplies to the build pipeline, and nothing else: the spec (placement, hardware, the inputs of its
 * fingerprint, its name, tags and VM extras, all in `PlannedRecipe`), where its disk image comes from, and an
 * optional golden stage. Everything else — observing the node, planning, the lock, executing with cleanup,
 * the result — is the pipeline's (`build.ts`). Adding an OS = a recipe here (or an `images.<os>` entry for a
 * cloud image) plus its config; see README.md "Adding an OS".
 */
export interface Recipe extends PlannedRecipe {
  /** The config field of the image source, for messages (`images.debian.source.url`). */
  sourceSetting: string;
  /** Said once per build (e.g. schematic warnings). */
  warnings: string[];
  /** The disk image to download. With `dryRun` it must not change anything anywhere. */
  source(context: SourceContext): Promise<ImageSource>;
  golden?: GoldenRecipe | undefined;
}

export interface SourceContext {
  environment: Environment;
  connection: Connection;
  dryRun: boolean;
  logger?: Logger;
}

/** The recipe for `os` in this environment: `talos`, or any OS under `images:` (a checksum-pinned cloud image). */
export async function recipeFor(environment: Environment, os: string): Promise<Recipe> {
  return os === 'talos' ? talosRecipe(environment) : cloudImageRecipe(environment, os);
}
