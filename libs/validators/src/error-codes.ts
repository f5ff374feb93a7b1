/**
 * Every code @infra/validators throws (TOOL_MISSING is core's, raised here for a validator whose tool is absent).
 * Raise them as `new InfraError<ValidatorsErrorCode>(code, ...)` and check them with
 * `isInfraError<ValidatorsErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type ValidatorsErrorCode = 'IMAGE_NOT_CONFIGURED' | 'PROJECT_NOT_FOUND' | 'TOOL_MISSING';
