/**
 * Every code @infra/sops-secrets throws (sops, age, the secrets files, the leak checks).
 * Raise them as `new InfraError<SopsErrorCode>(code, ...)` and check them with
 * `isInfraError<SopsErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type SopsErrorCode =
  | 'AGE_KEYGEN_FAILED'
  | 'AGE_KEY_EXISTS'
  | 'AGE_KEY_INVALID'
  | 'AGE_KEY_MISSING'
  | 'AGE_KEY_PERMISSIONS'
  | 'AGE_MISSING'
  | 'AGE_RECIPIENT_DEMO'
  | 'AGE_RECIPIENT_INVALID'
  | 'LOCK_TIMEOUT'
  | 'OPENSSL_FAILED'
  | 'SECRETS_DEMO_UNREADABLE'
  | 'SECRETS_DOTENV_KEY'
  | 'SECRETS_DOTENV_VALUE'
  | 'SECRETS_INVALID'
  | 'SECRETS_KEY_NOT_FOUND'
  | 'SECRETS_MISSING'
  | 'SECRETS_NOT_A_MAP'
  | 'SECRETS_UNSUPPORTED_FORMAT'
  | 'SECRET_FIFO_FAILED'
  | 'SECRET_ON_COMMAND_LINE'
  | 'SECRET_VARIABLE_NAME'
  | 'SOPS_ALREADY_ENCRYPTED'
  | 'SOPS_CONFIG'
  | 'SOPS_CONFIG_INVALID'
  | 'SOPS_CONFIG_MISSING'
  | 'SOPS_FAILED'
  | 'SOPS_MAC_MISMATCH'
  | 'SOPS_MISSING'
  | 'SOPS_NOT_ENCRYPTED'
  | 'SOPS_NO_CREATION_RULE'
  | 'SOPS_NO_KEY'
  | 'SOPS_PARSE'
  | 'SOPS_VERSION';
