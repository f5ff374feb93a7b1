/**
 * Every code @infra/deploy throws (preflight against Proxmox, template lookup, the OpenTofu session, its
 * backend and state). Raise them as `new InfraError<DeployErrorCode>(code, ...)` and check them with
 * `isInfraError<DeployErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type DeployErrorCode =
  | 'DEPLOY_AUTH_FAILED'
  | 'DEPLOY_BACKEND_SECRET_MISSING'
  | 'DEPLOY_BACKEND_UNSUPPORTED'
  | 'DEPLOY_NODE_NOT_FOUND'
  | 'DEPLOY_STATE_ENCRYPTION'
  | 'DEPLOY_STATE_LOCKED'
  | 'DEPLOY_STATE_PASSPHRASE_MISSING'
  | 'DEPLOY_STORAGE_NOT_FOUND'
  | 'DEPLOY_STORAGE_NO_IMAGES'
  | 'DEPLOY_TEMPLATE_NOT_FOUND'
  | 'DEPLOY_TOFU_FAILED';
