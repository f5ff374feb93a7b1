/**
 * Every code @infra/pve-api throws (Proxmox property strings).
 * Raise them as `new InfraError<PveApiErrorCode>(code, ...)` and check them with
 * `isInfraError<PveApiErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type PveApiErrorCode = 'PVE_PROPERTY_STRING_FORMAT_UNKNOWN' | 'PVE_PROPERTY_STRING_INVALID';
