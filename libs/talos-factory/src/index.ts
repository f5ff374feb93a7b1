export { naturalKeyLess, sortKeysNaturally } from './go-yaml/key-order';
export { formatGoFloat, resolvePlainScalar } from './go-yaml/resolve';
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
