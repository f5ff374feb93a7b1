/**
 * The codes the scripts in scripts/ raise themselves (a library's own codes come from its union:
 * `ConfigErrorCode`, `PveSimErrorCode`, ...). Raise them as `new InfraError<ScriptsErrorCode>(code, ...)`:
 * a misspelt code is then a type error. This folder holds no script: `discoverScripts` reads only the
 * top level of scripts/.
 */
export type ScriptsErrorCode =
  | 'BUILD_OS_UNSUPPORTED'
  | 'CONFIRMATION_REQUIRED'
  | 'DEPLOY_CONFIRMATION_NEEDED'
  | 'HOST_NOT_SPECIFIED'
  | 'PLATFORM_DIFF_FAILED'
  | 'PLATFORM_NO_SECRETS'
  | 'SECRETS_NO_DEMO_ENVIRONMENT'
  | 'SIM_PASSWORD_SHORT';
