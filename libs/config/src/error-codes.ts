/**
 * Every code @infra/config throws (loading, layering and resolving infra.config.yaml).
 * Raise them as `new InfraError<ConfigErrorCode>(code, ...)` and check them with
 * `isInfraError<ConfigErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type ConfigErrorCode =
  | 'CONFIG_CYCLE'
  | 'CONFIG_DEMO_KEY_ON_REAL_ENDPOINT'
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_UNKNOWN_COMPONENT'
  | 'CONFIG_UNKNOWN_ENVIRONMENT'
  | 'CONFIG_UNREADABLE';
