export {
  type BundleManifest,
  type BundleOptions,
  type BundleResult,
  createBundle,
} from './bundle/bundle';
export {
  compareDrift,
  type DesiredState,
  type DriftItem,
  type DriftKind,
  driftExitCode,
  formatDrift,
  type ObservedState,
} from './drift/compare';
export { type DriftOptions, type DriftReport, runDrift } from './drift/drift';
export { gpuPlanFromFacts } from './gpu-plan';
export { formatImport, type ImportOptions, type ImportResult, runImport } from './import/import';
export { createMcpServer, type McpOptions } from './mcp/server';
export { deployPlanSummary, type PlanSummary } from './plan-summary';
export { judgeHost, privilegePaths, SUPPORTED_PVE_MAJOR } from './preflight/checks';
export {
  type DoctorOptions,
  type DoctorReport,
  formatDoctorReport,
  runDoctor,
  wantedOf,
} from './preflight/doctor';
export type { CheckStatus, Finding, HostFacts, Wanted } from './preflight/facts';
export type { WorkflowErrorCode } from './workflow/errors';
export { formatWorkflowReport, type StepReport, type WorkflowReport } from './workflow/executor';
export { runUp, type UpOptions } from './workflow/up';
export { UP_STEP_IDS, UP_WORKFLOW } from './workflow/up-workflow';
