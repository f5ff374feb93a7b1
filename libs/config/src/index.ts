export { describeComponent, formatDescribed } from './describe';
export { DEFAULT_ENVIRONMENT, loadEnvironment, loadResolvedEnvironment, validateConfig } from './environment';
export type { ConfigErrorCode } from './error-codes';
export { loadConfigFile } from './load';
export { type Environment, environmentNames, resolveEnvironment } from './resolve';
export {
  type ClusterSpec,
  type DownloadSource,
  pciSelectorSchema,
  type UnattendSettings,
  type VmHardware,
} from './schema';
