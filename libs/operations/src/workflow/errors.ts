/** The codes the workflow runner throws (`isInfraError<WorkflowErrorCode>(error, 'WORKFLOW_STEP_FAILED')`). */
export type WorkflowErrorCode =
  | 'WORKFLOW_INVALID'
  | 'WORKFLOW_UNKNOWN_STEP'
  | 'WORKFLOW_OPTIONS'
  | 'WORKFLOW_STATE_INVALID'
  | 'WORKFLOW_DOCTOR_FAILED'
  | 'WORKFLOW_BOOTSTRAP_TIMEOUT'
  | 'WORKFLOW_PLATFORM_NOT_DELIVERED';
