export {
  assertAgeRecipient,
  assertPrivateKeyFile,
  defaultAgeKeyFile,
  generateAgeKey,
  isAgeRecipient,
  parseIdentities,
  publicKeysOf,
  readIdentityFile,
  userAgeKeyLocation,
} from './age-keys';
export { type CheckOptions, type CheckRule, checkSecrets, type Finding } from './check';
export {
  assertNoSecretsInArgs,
  packerProxmoxEnv,
  proxmoxApiToken,
  type RunWithSecretsOptions,
  type RunWithSecretsResult,
  runWithSecrets,
  tofuProxmoxEnv,
  toolVariables,
} from './child-env';
export { DEMO_KEY_MARKER, isMarkedDemoKey, renderDemoKeyFile } from './demo-key';
export { createDemoSecrets, demoValues, ed25519PublicKeyLine, sha512Crypt } from './demo-secrets';
export { formatOf, type PlainData, type SopsFormat, serializePlain } from './formats';
export { type HeldKey, type KeyContextOptions, resolveSopsKeys, type SopsKeyContext } from './key-context';
export {
  alignedBase64,
  encodedForms,
  formatLeakHits,
  type LeakEncoding,
  type LeakHit,
  type LeakNeedle,
  MIN_NEEDLE_LENGTH,
  type ScanPathsResult,
  scanBuffer,
  scanPaths,
  scanText,
} from './leak-scan';
export {
  type LoadSecretsOptions,
  loadSecrets,
  registerSecretValues,
  type SecretsEnvironment,
  secretNeedles,
} from './load-secrets';
export { isEncryptedValue, readSopsMetadata, type SopsMetadata } from './metadata';
export { findPlaintextLeaves, type PlaintextLeaf } from './plaintext-scan';
export { listSecretsFiles, type SecretsProject, secretsProject, sopsContextFor } from './project';
export { withSecretFifo } from './secret-fifo';
export { PLACEHOLDER, type Secrets, secretsSchema, secretsTemplate } from './secrets-schema';
export { selectKey } from './show';
export { ensureSops, MIN_SOPS_VERSION, parseSopsVersion } from './sops-binary';
export {
  decryptData,
  decryptText,
  editFile,
  encryptFileInPlace,
  encryptToFile,
  readMetadataFile,
  rotateDataKey,
  type SopsContext,
  updateKeys,
} from './sops-client';
export {
  addRecipientToConfig,
  type CreationRule,
  defaultSopsConfig,
  matchCreationRule,
  parseSopsConfig,
  readSopsConfig,
  renderSopsConfig,
  ruleRecipients,
  SOPS_STORES,
  type SopsConfig,
  withProjectStores,
  writeSopsConfig,
} from './sops-config';
export { classifySopsFailure, type SopsFailureKind } from './sops-errors';
export {
  addRecipient,
  editSecrets,
  type FileOutcome,
  type InitReport,
  initSecrets,
  rotateAll,
} from './workflows';
