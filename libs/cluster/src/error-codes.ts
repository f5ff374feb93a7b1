/**
 * Every code @infra/cluster throws (the cluster stage's checks, preflight, outputs and export).
 * Raise them as `new InfraError<ClusterErrorCode>(code, ...)` and check them with
 * `isInfraError<ClusterErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type ClusterErrorCode =
  | 'CLUSTER_CONTROL_PLANE_COUNT'
  | 'CLUSTER_CREDENTIALS_MISSING'
  | 'CLUSTER_FILE_MISSING'
  | 'CLUSTER_GPU_MAPPING_MISSING'
  | 'CLUSTER_GPU_ON_CONTROL_PLANE'
  | 'CLUSTER_IP_CLASH'
  | 'CLUSTER_IP_IN_USE'
  | 'CLUSTER_NODE_UNREACHABLE'
  | 'CLUSTER_NOT_CONFIGURED'
  | 'CLUSTER_NOT_LOOPBACK'
  | 'CLUSTER_OUTPUT_MISSING'
  | 'CLUSTER_TEMPLATE_VERSION'
  | 'CLUSTER_TOO_MANY_GPU_NODES'
  | 'CLUSTER_UNKNOWN_SIZE'
  | 'CLUSTER_VMID_CLASH'
  | 'CLUSTER_VMID_IN_TEMPLATE_RANGE';
