export {
  BASE_IMAGE_RECIPE_VERSION,
  type BaseImageSpec,
  baseImageKey,
  baseImageTag,
  defaultBaseImageSpec,
} from './base-image';
export { type BaseImage, ensureBaseImage } from './ensure-image';
export type { MoleculeErrorCode } from './error-codes';
export { type RunScenarioOptions, runMoleculeScenario, type ScenarioResult } from './run';
