export {
  classifyProjectFile,
  classifyProjectRoot,
  type IacProject,
  PROJECT_FILES_GLOB,
  type ProjectKind,
} from './discovery';
export { type PluginOptions, pluginOptionsSchema } from './options';
export { createDependencies, createNodes, createNodesV2, name } from './plugin';
export { analyzeProject, type ProjectAnalysis, type WorkspaceReader } from './references';
export { CONFIG_DEPENDENT_KINDS, validateInputs } from './targets';
