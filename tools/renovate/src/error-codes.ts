/** The codes this package throws (`InfraError<RenovateErrorCode>`). */
export type RenovateErrorCode =
  | 'RENOVATE_CONFIG_INVALID'
  | 'RENOVATE_TEMPLATE_UNSUPPORTED'
  | 'RENOVATE_PIN_UNREADABLE';
