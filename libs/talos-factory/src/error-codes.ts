/**
 * Every code @infra/talos-factory throws (schematics, the Image Factory, Talos versions and machine-config patches).
 * Raise them as `new InfraError<TalosFactoryErrorCode>(code, ...)` and check them with
 * `isInfraError<TalosFactoryErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type TalosFactoryErrorCode =
  | 'FACTORY_BAD_RESPONSE'
  | 'FACTORY_HTTP_ERROR'
  | 'FACTORY_REQUEST_REJECTED'
  | 'FACTORY_SCHEMATIC_MISMATCH'
  | 'FACTORY_SCHEMATIC_NOT_FOUND'
  | 'FACTORY_UNKNOWN_EXTENSION'
  | 'FACTORY_UNREACHABLE'
  | 'FACTORY_URL_INVALID'
  | 'SCHEMATIC_ID_INVALID'
  | 'SCHEMATIC_INVALID'
  | 'SCHEMATIC_NOT_FOUND'
  | 'TALOS_NVIDIA_TIER_UNSUPPORTED'
  | 'TALOS_PATCH_INVALID'
  | 'TALOS_PLATFORM_MISSING'
  | 'TALOS_PLATFORM_UNKNOWN'
  | 'TALOS_SCHEMA_UNAVAILABLE'
  | 'TALOS_VERSION_INVALID'
  | 'TALOS_VERSION_UNKNOWN'
  | 'TALOS_VERSION_UNSUPPORTED';
