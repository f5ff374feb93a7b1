export { type BuildOptions, buildImage } from './build';
export { BUILD_LOCK_VMID } from './build-lock';
export { type Connection, connectEnvironment } from './connect';
export type { StepEvent } from './execute';
export type { GoldenResult } from './golden/stage';
export { type ApiStep, fingerprintTag, type TemplateDescription, templateFingerprint } from './plan';
export { type Recipe, recipeFor } from './recipe';
export { type BuildResult, formatBuildResult } from './result';
export { formatPruneReport, type PruneReport, pruneTalosTemplates } from './talos/prune';
