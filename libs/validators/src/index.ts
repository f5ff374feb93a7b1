export {
  ansibleHome,
  ansibleLint,
  ansibleRoleSyntaxCheck,
  ansibleSyntaxCheck,
  findPlaybooks,
} from './ansible';
export { parseAnsibleLint, parseSyntaxCheck, type SyntaxProblem } from './ansible-output';
export { checkov, parseCheckov } from './checkov';
export { cloudInitFiles, cloudInitSchema } from './cloud-init';
export { type CloudInitProblem, parseCloudInitSchema } from './cloud-init-output';
export { createContext, type DisposableContext, type ValidationContext } from './context';
export type { ValidatorsErrorCode } from './error-codes';
export { findOnPath, runTool, type ToolEnv, type ToolRun, toolMissing } from './exec';
export { isCloudInitUserData, listFiles } from './files';
export {
  dedupeFindings,
  type Finding,
  findingSchema,
  formatFinding,
  hasErrors,
  type Severity,
  sortFindings,
  summarize,
} from './finding';
export { parseFmtDiff, type UnformattedFile } from './fmt-diff';
export { diagnosticMessage, type HclDiagnostic, parseHclDiagnostics } from './hcl-diagnostics';
export { imageManifestSchema, validateImageManifest } from './image-manifest';
export {
  type StepResult,
  VALIDATION_KINDS,
  type ValidateOptions,
  type ValidationKind,
  type ValidationReport,
  validateProject,
} from './kinds';
export {
  kubeconform,
  kubernetesCheckov,
  kubernetesGpuRules,
  kubernetesProjectLoader,
  kubernetesRender,
} from './kubernetes';
export { type KubeconformProblem, parseKubeconform, pointerToPath } from './kubernetes-output';
export { packerFmt, packerInitAndValidate } from './packer';
export {
  type BuildTimeValues,
  EMBEDDED_PROXMOX_API_URL,
  installMediaVolume,
  packerVariables,
  toPackerEnv,
} from './packer-vars';
export { fromScratchPath, toRepoPath } from './paths';
export { formatReport } from './report';
export { secretsCheck } from './secrets';
export { generateEphemeralSshKey } from './ssh-key';
export { talosPatches } from './talos';
export { talosInlineManifests } from './talos-inline';
export { terraformDocsCheck } from './terraform-docs';
export {
  checkDocsSection,
  DOCS_BEGIN,
  DOCS_END,
  extractDocsSection,
  injectDocsSection,
} from './terraform-docs-section';
export { tofuFmt, tofuValidateAndLint } from './tofu';
export { parseTflint, parseTofuValidate } from './tofu-output';
export { toolchainEnvironment } from './tool-env';
export { lineOfPath, splitDottedPath } from './yaml-locate';
export { parseYamllint, yamllint } from './yamllint';
