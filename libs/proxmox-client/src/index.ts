export { type Authenticator, type AuthOptions, TICKET_LIFETIME_MS } from './auth';
export { type AgentNetworkInterface, ProxmoxClient } from './client';
export { KeyedMutex, Semaphore } from './concurrency';
export type { CallOptions, Envelope, Reconciled } from './core';
export { decodeForm, encodeForm, type ParamValue, type RequestParams } from './encoding';
export { errorFromResponse, errorFromTransport, type RawResponse } from './error-mapping';
export {
  classifyServerMessage,
  type ProxmoxErrorCode,
  PveAuthError,
  PveError,
  PveNodeError,
  PveNotImplementedError,
  PveOutcomeUnknownError,
  PveParameterError,
  PvePermissionError,
  PveResponseInvalidError,
  PveServerError,
  PveTransportError,
  type RequestRef,
  type ServerErrorKind,
} from './errors';
export type { ProxmoxClientOptions, RequestInfo } from './options';
export {
  backoffDelay,
  classifyFailure,
  DEFAULT_RETRY_POLICY,
  decideRetry,
  type FailureKind,
  type RetryPolicy,
} from './retry';
export { type PciMapping, PveStorageClient } from './storage-client';
export { RECONCILED_UPID, type TaskCallOptions } from './task-runner';
export {
  PveTaskFailedError,
  PveTaskTimeoutError,
  type TaskOutcome,
  type TaskProgress,
  type WaitOptions,
} from './tasks';
export {
  fingerprintMatches,
  normalizeFingerprint,
  TlsFingerprintMismatchError,
  type TlsOptions,
} from './tls';
export { isTaskSuccess, type ParsedUpid, parseUpid } from './upid';
