/**
 * Every code @infra/toolchain throws (TOOL_MISSING is core's, raised here as the runner does).
 * Raise them as `new InfraError<ToolchainErrorCode>(code, ...)` and check them with
 * `isInfraError<ToolchainErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type ToolchainErrorCode =
  | 'TOOLCHAIN_APT_FAILED'
  | 'TOOLCHAIN_ARCHIVES_MISSING'
  | 'TOOLCHAIN_ARCHIVE_INVALID'
  | 'TOOLCHAIN_BAD_VERSION'
  | 'TOOLCHAIN_BUILD_FAILED'
  | 'TOOLCHAIN_GO_MISSING'
  | 'TOOLCHAIN_INSTALL_FAILED'
  | 'TOOLCHAIN_LOCKED'
  | 'TOOLCHAIN_MANIFEST_INVALID'
  | 'TOOLCHAIN_MANIFEST_NOT_FOUND'
  | 'TOOLCHAIN_NEEDS_PACKER'
  | 'TOOLCHAIN_NEEDS_ROOT'
  | 'TOOLCHAIN_PYTHON_UNSUPPORTED'
  | 'TOOLCHAIN_SOURCE_UNAVAILABLE'
  | 'TOOLCHAIN_UNKNOWN_TOOL';
