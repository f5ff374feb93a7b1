/**
 * Every code @infra/pve-sim throws (starting, stopping and administering the simulator).
 * Raise them as `new InfraError<PveSimErrorCode>(code, ...)` and check them with
 * `isInfraError<PveSimErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type PveSimErrorCode =
  | 'SIM_ADMIN_FAILED'
  | 'SIM_ALREADY_RUNNING'
  | 'SIM_FAULTS_INVALID'
  | 'SIM_OPENSSL_MISSING'
  | 'SIM_OPTIONS_INVALID'
  | 'SIM_PORT_IN_USE'
  | 'SIM_START_FAILED'
  | 'SIM_STATE_INVALID'
  | 'SIM_STOP_TIMEOUT'
  | 'SIM_TLS_FAILED';
