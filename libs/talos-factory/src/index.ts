export {
  EMBEDDED_FACTORY_PLACEHOLDER,
  type EnvironmentImageUrls,
  environmentImageUrls,
  type TalosEnvironmentLike,
} from './environment';
export type { TalosFactoryErrorCode } from './error-codes';
export {
  type ExtensionInfo,
  ExtensionInfoSchema,
  FactoryClient,
  type FactoryClientOptions,
  type OverlayInfo,
  OverlayInfoSchema,
} from './factory/client';
export {
  ARCHES,
  type BootMethod,
  PLATFORM_NAMES,
  type PlatformInfo,
  platformInfo,
  type TalosArch,
} from './factory/platforms';
export { closeMatches, editDistance } from './factory/suggest';
export {
  diskImageSuffix,
  factoryOrigin,
  type ImageFactoryUrls,
  type ImageFactoryUrlsInput,
  imageFactoryUrls,
  imageUrl,
  installerImage,
} from './factory/urls';
export { naturalKeyLess, sortKeysNaturally } from './go-yaml/key-order';
export { formatGoFloat, resolvePlainScalar } from './go-yaml/resolve';
export {
  checkNvidiaExtensions,
  NVIDIA_MODULES,
  type NvidiaDriver,
  type NvidiaOptions,
  type NvidiaPatch,
  type NvidiaTier,
  nvidiaExtensions,
  nvidiaMachineConfigPatch,
  validatedNvidiaPatch,
} from './nvidia';
export { canonicalSchematicYaml, schematicIdOf } from './schematic/canonical';
export {
  BOOTLOADERS,
  ENROLL_KEYS,
  GoFloat,
  GoTimestamp,
  type OptionValue,
  type Schematic,
  type SchematicInput,
  SchematicSchema,
} from './schematic/model';
export {
  duplicateExtensions,
  loadSchematicFile,
  parseSchematic,
  type ResolvedSchematic,
  resolveSchematic,
  type SchematicOptions,
  schematicIdFromText,
  validateSchematic,
} from './schematic/schematic';
export { machineConfigSchema, SUPPORTED_SCHEMA_LINES } from './validate/schemas';
export {
  formatFinding,
  type MachineConfigFinding,
  readablePath,
  validateMachineConfigDocument,
  validateMachineConfigText,
  validatePatchFile,
} from './validate/validate';
export {
  compareTalosVersions,
  isAtLeast,
  parseTalosVersion,
  supports,
  TALOS_QUIRKS,
  type TalosQuirk,
  type TalosVersion,
  tryParseTalosVersion,
} from './version';
