export { type DescribedValue, describeComponent, formatDescribed } from './describe';
export { DEFAULT_ENVIRONMENT, loadEnvironment, loadResolvedEnvironment, validateConfig } from './environment';
export { CONFIG_FILE_NAMES, type LoadedFile, loadConfigFile } from './load';
export { type Layer, mergeLayers } from './merge';
export { type Environment, environmentNames, type ResolvedEnvironment, resolveEnvironment } from './resolve';
export {
  type ClusterNode,
  type ClusterSpec,
  type DownloadSource,
  type ImageSpec,
  OS_NAMES,
  type OsName,
  pciSelectorSchema,
  type UnattendSettings,
  type VmHardware,
} from './schema';
