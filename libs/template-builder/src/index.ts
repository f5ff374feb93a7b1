export { MUTATING, simStateDir } from '@infra/proxmox-connect';
export {
  type BuildCloudImageOptions,
  buildCloudImageTemplate,
  type CloudImageBuildResult,
} from './cloud-image/build';
export {
  hasProxmoxPlugin,
  type PackerReadiness,
  type PackerStageResult,
  PROXMOX_PLUGIN,
  packerReadiness,
  packerSkipReason,
  runPackerBuild,
} from './cloud-image/packer';
export {
  type CloudImageDecision,
  type CloudImagePlan,
  cloudImageVmParams,
  findCloudImageTemplate,
  planCloudImageBuild,
} from './cloud-image/plan';
export {
  CLOUD_IMAGE_RECIPE_VERSION,
  type CloudImageDescription,
  type CloudImageSpec,
  cloudImageFileName,
  cloudImageFingerprint,
  cloudImageSpec,
  cloudImageTemplateName,
  parseCloudImageDescription,
} from './cloud-image/spec';
export { type Connection, connectEnvironment, prepareEmbeddedHost } from './connect';
export {
  deleteVolume,
  type ExecutablePlan,
  type ExecuteOptions,
  executeBuildPlan,
  type StepEvent,
} from './execute';
export { type BuildSummary, formatBuildResult } from './format';
export {
  checkStorages,
  leftoverBuilds,
  planImageSteps,
  retargetSteps,
  stableJson,
  type TemplatePlacement,
} from './image-plan';
export { type BuildResult, type BuildTalosOptions, buildTalosTemplate, talosSpec } from './talos/build';
export { imageSha256 } from './talos/checksum';
export { observeForBuild, observeTemplates } from './talos/observe';
export {
  type ApiStep,
  type BuildPlan,
  findUpToDate,
  type ImageSource,
  type ObservedNode,
  type ObservedStorage,
  type ObservedVm,
  type PlanDecision,
  pickVmid,
  planTalosBuild,
  splitTags,
  vmCreateParams,
} from './talos/plan';
export {
  formatPruneReport,
  type ManagedTemplate,
  observeManagedTemplates,
  type PrunePlan,
  type PruneReport,
  planPrune,
  pruneTalosTemplates,
} from './talos/prune';
export {
  fingerprintTag,
  importFileName,
  parseTemplateDescription,
  RECIPE_VERSION,
  TALOS_TEMPLATE_TAGS,
  type TalosTemplateSpec,
  type TemplateDescription,
  templateFingerprint,
  templateName,
} from './talos/spec';
