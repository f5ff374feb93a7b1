/** Error codes this library throws (InfraError codes). */
export const PLATFORM_ERRORS = {
  componentInvalid: 'PLATFORM_COMPONENT_INVALID',
  componentNotFound: 'PLATFORM_COMPONENT_NOT_FOUND',
  manifestInvalid: 'PLATFORM_MANIFEST_INVALID',
  chartMissing: 'PLATFORM_CHART_MISSING',
  chartChecksum: 'PLATFORM_CHART_CHECKSUM',
  helmFailed: 'PLATFORM_HELM_FAILED',
  gpuNodeInvalid: 'PLATFORM_GPU_NODE_INVALID',
  kubernetesVersion: 'PLATFORM_KUBERNETES_VERSION',
  noSecrets: 'PLATFORM_NO_SECRETS',
} as const;
