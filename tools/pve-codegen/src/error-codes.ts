/**
 * Every code the Proxmox API code generator throws (the schema, the endpoint allowlist, stale output).
 * Raise them as `new InfraError<CodegenErrorCode>(code, ...)` and check them with
 * `isInfraError<CodegenErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type CodegenErrorCode =
  | 'PVE_ALLOWLIST_INVALID'
  | 'PVE_ALLOWLIST_UNKNOWN_ENDPOINT'
  | 'PVE_GENERATED_STALE'
  | 'PVE_SCHEMA_INVALID'
  | 'PVE_SCHEMA_NOT_FOUND';
