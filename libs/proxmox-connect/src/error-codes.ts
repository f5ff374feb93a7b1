/**
 * Every code @infra/proxmox-connect throws (the embedded simulator, its faults and hooks, tool trust).
 * Raise them as `new InfraError<ConnectErrorCode>(code, ...)` and check them with
 * `isInfraError<ConnectErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type ConnectErrorCode =
  | 'SIM_FAULTS_INVALID'
  | 'SIM_FAULTS_NOT_APPLIED'
  | 'SIM_HOOK_NOT_APPLIED'
  | 'SIM_LOOPBACK_ONLY'
  | 'TLS_ENDPOINT_UNREACHABLE';
