export { MUTATING, simStateDir } from '@infra/proxmox-connect';
export { type Connection, connectEnvironment, prepareEmbeddedHost } from './connect';
export { formatBuildResult } from './format';
export { type BuildResult, type BuildTalosOptions, buildTalosTemplate, talosSpec } from './talos/build';
export { imageSha256 } from './talos/checksum';
export { deleteVolume, type ExecuteOptions, executeBuildPlan, type StepEvent } from './talos/execute';
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
