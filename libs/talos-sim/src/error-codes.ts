/**
 * Every code @infra/talos-sim throws (building, starting and reusing the simulator).
 * Raise them as `new InfraError<TalosSimErrorCode>(code, ...)` and check them with
 * `isInfraError<TalosSimErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type TalosSimErrorCode =
  | 'TALOS_SIM_BUILD_FAILED'
  | 'TALOS_SIM_BUSY'
  | 'TALOS_SIM_START_FAILED'
  | 'TALOS_SIM_START_TIMEOUT';
