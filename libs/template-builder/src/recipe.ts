import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import type { Connection } from './connect';
import type { GoldenRecipe } from './golden/stage';
import type { ImageSource, PlannedRecipe } from './plan';
import type { InstallMedium } from './plan-media';
import { cloudImageRecipe } from './recipes/cloud-image';
import { isoRecipe } from './recipes/iso';
import { talosRecipe } from './recipes/talos';

/**
 * What one OS supplies to the build pipeline, and nothing else: the spec (placement, hardware, the inputs of its
 * fingerprint, its name, tags and VM extras, all in `PlannedRecipe`), its base (a disk image imported as a
 * base template, or install media on the ISO storage), and an optional golden stage. Everything else —
 * observing the node, planning, the lock, executing with cleanup, the result — is the pipeline's (`build.ts`).
 * Adding an OS = a recipe here (or an `images.<os>` entry) plus its config; see README.md "Adding an OS".
 */
export type Recipe = TemplateRecipe | MediaRecipe;

interface RecipeCommon extends PlannedRecipe {
  /** The config field of the image source, for messages (`images.debian.source.url`). */
  sourceSetting: string;
  /** Said once per build (e.g. schematic warnings). */
  warnings: string[];
  golden?: GoldenRecipe | undefined;
}

/** The base is a template imported from a disk image (Talos, the cloud images). */
export interface TemplateRecipe extends RecipeCommon {
  base: 'template';
  /** The disk image to download. With `dryRun` it must not change anything anywhere. */
  source(context: SourceContext): Promise<ImageSource>;
}

/** The base is the install media on the ISO storage; the golden stage installs from it (NixOS, Windows). */
export interface MediaRecipe extends RecipeCommon {
  base: 'media';
  media: InstallMedium[];
}

export interface SourceContext {
  environment: Environment;
  connection: Connection;
  dryRun: boolean;
  logger?: Logger;
}

/** The recipe for `os` here: `talos`, an `install: iso` image, or any other OS under `images:` (a cloud image). */
export async function recipeFor(environment: Environment, os: string): Promise<Recipe> {
  if (os === 'talos') return talosRecipe(environment);
  const image = Object.hasOwn(environment.images, os) ? environment.images[os] : undefined;
  return image?.install === 'iso' ? isoRecipe(environment, os) : cloudImageRecipe(environment, os);
}
