export { type ArchiveSource, REGISTRY_SETTING_VALUE, SOURCE_ARCHIVES_SETTING } from './archives';
export { locateArchiveSource } from './archives-io';
export { CATALOG, type Recipe, recipeById } from './catalog';
export { type DoctorReport, type DoctorRow, doctor, renderDoctorTable } from './doctor';
export { renderShellExports, toolchainEnv } from './env';
export type { ToolchainErrorCode } from './error-codes';
export { readToolMarker } from './facts';
export {
  type InstallOptions,
  type InstallResult,
  type InstallRow,
  installToolchain,
  renderInstallTable,
} from './install';
export { findPython, type PythonInterpreter } from './installers/python';
export { findRepoRoot, loadManifest } from './load';
export { parseManifest, type ToolSpec } from './manifest';
export { type CacheLayout, cacheLayout, defaultCacheDir, goPlatform, providerMirror } from './paths';
export { type Action, type Decision, planTool, planTools, type ToolFacts } from './plan';
export { type MirroredProvider, renderTofuCliConfig } from './tofu-cli-config';
export { installedProviders } from './tofu-config-io';
