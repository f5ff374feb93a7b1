export { ProxmoxClient } from './client';
export { type ProxmoxErrorCode, PveServerError } from './errors';
export type { RequestInfo } from './options';
export type { RetryPolicy } from './retry';
export type { TaskCallOptions } from './task-runner';
export { PveTaskFailedError } from './tasks';
export { fingerprintMatches, normalizeFingerprint, TlsFingerprintMismatchError } from './tls';
export { parseUpid } from './upid';
