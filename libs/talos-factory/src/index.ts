export { environmentImageUrls } from './environment';
export type { TalosFactoryErrorCode } from './error-codes';
export { FactoryClient } from './factory/client';
export { ARCHES, PLATFORM_NAMES } from './factory/platforms';
export { imageFactoryUrls } from './factory/urls';
export { checkNvidiaExtensions } from './nvidia';
export { loadSchematicFile, parseSchematic, resolveSchematic } from './schematic/schematic';
export { validateMachineConfigText, validatePatchFile } from './validate/validate';
export { compareTalosVersions, isAtLeast, parseTalosVersion, supports } from './version';
