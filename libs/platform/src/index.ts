export {
  type AppSecretStandIn,
  appSecretManifest,
  checkAppSecrets,
  ENCRYPTED_MANIFEST,
  splitSopsMetadata,
} from './app-secrets';
export {
  type ChartPin,
  chartArchive,
  parseChartPins,
  sourceArchivesDir,
} from './chart';
export {
  type ClusterOptions,
  checkInlineManifests,
  type InlineManifest,
  type InlineManifestProblem,
  inlineManifestOf,
  renderClusterCritical,
  renderClusterCriticalComponents,
} from './cluster-critical';
export { kubernetesCompatibility, TALOS_KUBERNETES_SUPPORT } from './compat';
export {
  type AppSecret,
  COMPONENT_FILE,
  type Component,
  DELIVERIES,
  type Delivery,
  KUBERNETES_DIR,
  listComponents,
  loadComponent,
  SECRET_VALUE_KINDS,
  type SecretValueKind,
} from './component';
export type { PlatformErrorCode } from './errors';
export type { PlatformFinding } from './finding';
export { checkFluxKustomizations, isFluxKustomization } from './flux';
export { GPU_NODE_PATCH, type GpuNode, gpuNodeFromPatch, loadGpuNode, type Taint } from './gpu-node';
export {
  type FieldPath,
  formatFieldPath,
  type ManifestDocument,
  objectRef,
  type ParseProblem,
  parseManifests,
} from './manifests';
export {
  type RenderedComponent,
  type RenderOptions,
  renderChart,
  renderComponent,
  renderedText,
  type ToolResult,
  type ToolRunner,
} from './render';
export {
  checkDevicePluginScheduling,
  checkGpuWorkloads,
  GPU_RESOURCE,
  NVIDIA_RUNTIME_CLASS,
} from './rules';
export { platformSnapshot, type SnapshotEntry, type SnapshotOptions } from './snapshot';
export { type ClusterVersions, clusterVersions } from './versions';
