import { InfraError } from '@infra/core';

/** Every code @infra/operations itself throws (`isInfraError<OperationsErrorCode>(error, ...)`). */
export type OperationsErrorCode =
  | 'DRIFT_UNKNOWN_VM'
  | 'IMPORT_MANAGED_VM'
  | 'IMPORT_NOT_CLEAN'
  | 'IMPORT_OUT_EXISTS'
  | 'IMPORT_ROOT_INCOMPLETE'
  | 'IMPORT_TOFU_OUTPUT_INVALID'
  | 'IMPORT_UNKNOWN_VM';

export const operationsError = (
  code: OperationsErrorCode,
  message: string,
  options: { hint?: string; details?: Record<string, unknown> } = {},
) => new InfraError<OperationsErrorCode>(code, message, options);
