export { type BackendKind, backendSetup, declaredBackend } from './backend';
export { type DeployAction, type DeployRequest, type DeployResult, deployEnvironment } from './deploy';
export type { DeployErrorCode } from './error-codes';
export { type ClusterFacts, preflight } from './preflight';
export { openTofuSession, type SessionRequest, type TofuSession } from './session';
export { type ReadStateRequest, readTofuState, type StateResource, stateResources } from './state';
export { chooseTemplates, type TemplateChoice, type WantedTemplate } from './templates';
export { type ChangeCounts, formatCounts } from './tofu-events';
export { talosTemplate } from './wanted';
