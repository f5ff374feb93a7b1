import { PveError, PveNodeError, PveServerError, PveTransportError } from './errors';

/**
 * When to try a request again. Pure: the client asks `decideRetry` after each failure.
 *
 * - `not-sent`: the request provably never reached Proxmox (connection refused, 595 from pveproxy): any
 *   method may be sent again.
 * - `ambiguous`: it may have been executed (reset or timeout after sending, 502/503/504/596/599): GETs are
 *   repeated; writes are only repeated after looking at the server state (`reconcile`), never blindly.
 * - `lock-timeout`: Proxmox refused because a config/storage lock was busy ("got timeout"), so nothing was
 *   done: repeat with a longer backoff.
 * - `fatal`: a definite answer (4xx, a 500 from the handler, TLS failure): give up.
 */
export type FailureKind = 'not-sent' | 'ambiguous' | 'lock-timeout' | 'fatal';

export interface RetryPolicy {
  /** Total attempts for idempotent GETs. */
  getAttempts: number;
  /** Total attempts for writes after not-sent or reconciled-not-done failures. */
  writeAttempts: number;
  /** Total attempts for writes refused with a lock time-out. */
  lockAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Lock time-outs back off from this base (Proxmox waits 1–5 s for a lock before giving up). */
  lockBaseDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  getAttempts: 4,
  writeAttempts: 3,
  lockAttempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  lockBaseDelayMs: 500,
};

const AMBIGUOUS_STATUSES = new Set([502, 503, 504, 596, 599]);

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof PveTransportError) return error.sent ? 'ambiguous' : 'not-sent';
  if (error instanceof PveNodeError) return error.status === 595 ? 'not-sent' : 'ambiguous';
  if (error instanceof PveServerError) {
    if (error.kind === 'lock-timeout') return 'lock-timeout';
    if (AMBIGUOUS_STATUSES.has(error.status)) return 'ambiguous';
    return 'fatal';
  }
  return 'fatal';
}

/** Exponential backoff with equal jitter: half fixed, half random, capped. */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export type RetryDecision =
  | { action: 'retry'; delayMs: number }
  | { action: 'reconcile' }
  | { action: 'fail' };

export interface RetryState {
  method: string;
  kind: FailureKind;
  /** Failed attempts so far, this one included (1 after the first failure). */
  attempts: number;
  /** Lock time-outs so far, this one included. */
  lockFailures: number;
  /** Whether this write can look at the server to learn whether it already took effect. */
  canReconcile: boolean;
}

export function decideRetry(
  state: RetryState,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random?: () => number,
): RetryDecision {
  const idempotent = state.method === 'GET';
  const delay = (n: number) => backoffDelay(n, policy.baseDelayMs, policy.maxDelayMs, random);
  switch (state.kind) {
    case 'fatal':
      return { action: 'fail' };
    case 'lock-timeout':
      if (state.lockFailures >= (idempotent ? policy.getAttempts : policy.lockAttempts))
        return { action: 'fail' };
      return {
        action: 'retry',
        delayMs: backoffDelay(state.lockFailures, policy.lockBaseDelayMs, policy.maxDelayMs, random),
      };
    case 'not-sent':
      if (state.attempts >= (idempotent ? policy.getAttempts : policy.writeAttempts))
        return { action: 'fail' };
      return { action: 'retry', delayMs: delay(state.attempts) };
    case 'ambiguous':
      if (idempotent)
        return state.attempts >= policy.getAttempts
          ? { action: 'fail' }
          : { action: 'retry', delayMs: delay(state.attempts) };
      if (!state.canReconcile || state.attempts >= policy.writeAttempts) return { action: 'fail' };
      return { action: 'reconcile' };
  }
}

export function isPveError(error: unknown): error is PveError {
  return error instanceof PveError;
}
