export { checkClusterSpec, clusterLabel, DEFAULT_SIZES } from './checks';
export { type ClusterDestroyOptions, clusterDestroy } from './destroy';
export { nonLoopbackNodes, startEmbeddedTalos, talosGuestAddresses } from './embedded';
export type { ClusterErrorCode } from './error-codes';
export { readPatches } from './files';
export { type ClusterFacts, clusterVariables, installerImage, isGpuPatch } from './inputs';
export { credentialsDir, nextSteps, type WrittenCredentials, writeCredentials } from './outputs';
export { clusterPreflight } from './preflight';
export { exportCredentialsToSops } from './secrets-export';
export {
  type ClusterDeployer,
  type ClusterDeployRequest,
  type ClusterUpOptions,
  type ClusterUpResult,
  clusterOf,
  clusterRootDir,
  clusterUp,
  type TemplateFacts,
} from './up';
