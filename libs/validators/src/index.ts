export type { ValidatorsErrorCode } from './error-codes';
export { findOnPath, type ToolEnv } from './exec';
export { VALIDATION_KINDS, type ValidationReport, validateProject } from './kinds';
export { createAppSecrets } from './kubernetes-secrets';
export { installMediaVolume, packerVariables, toPackerEnv } from './packer-vars';
export { formatReport } from './report';
export { generateEphemeralSshKey } from './ssh-key';
export { toolchainEnvironment } from './tool-env';
