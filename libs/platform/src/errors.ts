/**
 * Every code @infra/platform throws (components, charts, manifests, the GPU node patch, version pins).
 * Raise them as `new InfraError<PlatformErrorCode>(code, ...)` and check them with
 * `isInfraError<PlatformErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type PlatformErrorCode =
  | 'PLATFORM_CHART_CHECKSUM'
  | 'PLATFORM_CHART_MISSING'
  | 'PLATFORM_COMPONENT_INVALID'
  | 'PLATFORM_COMPONENT_NOT_FOUND'
  | 'PLATFORM_GPU_NODE_INVALID'
  | 'PLATFORM_KUBERNETES_VERSION'
  | 'PLATFORM_MANIFEST_INVALID'
  | 'VERSION_INVALID';
