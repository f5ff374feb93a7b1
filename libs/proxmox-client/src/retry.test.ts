import { describe, expect, it } from 'vitest';
import { PveNodeError, PveParameterError, PveServerError, PveTransportError } from './errors';
import { backoffDelay, classifyFailure, DEFAULT_RETRY_POLICY, decideRetry, type RetryState } from './retry';

const req = { method: 'POST', path: '/nodes/pve/qemu' };
const state = (over: Partial<RetryState>): RetryState => ({
  method: 'POST',
  kind: 'fatal',
  attempts: 1,
  lockFailures: 0,
  canReconcile: false,
  ...over,
});

describe('classifyFailure', () => {
  it('classifies by what the server can have done', () => {
    const transport = (sent: boolean) => new PveTransportError(req, 'x', { sent, endpoint: 'https://x' });
    expect(classifyFailure(transport(false))).toBe('not-sent');
    expect(classifyFailure(transport(true))).toBe('ambiguous');
    expect(classifyFailure(new PveNodeError(req, 595, 'No route to host'))).toBe('not-sent');
    expect(classifyFailure(new PveNodeError(req, 596, 'Connection timed out'))).toBe('ambiguous');
    expect(
      classifyFailure(
        new PveServerError(req, 500, "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout"),
      ),
    ).toBe('lock-timeout');
    expect(classifyFailure(new PveServerError(req, 503, 'Service Unavailable'))).toBe('ambiguous');
    expect(classifyFailure(new PveServerError(req, 500, 'VM 100 already exists'))).toBe('fatal');
    expect(classifyFailure(new PveParameterError(req, { vmid: 'x' }))).toBe('fatal');
    expect(classifyFailure(new Error('bug'))).toBe('fatal');
  });
});

describe('decideRetry', () => {
  const noJitter = () => 0.5;

  it('repeats GETs on ambiguous failures up to getAttempts', () => {
    expect(
      decideRetry(state({ method: 'GET', kind: 'ambiguous', attempts: 1 }), DEFAULT_RETRY_POLICY, noJitter)
        .action,
    ).toBe('retry');
    expect(
      decideRetry(state({ method: 'GET', kind: 'ambiguous', attempts: DEFAULT_RETRY_POLICY.getAttempts }))
        .action,
    ).toBe('fail');
  });

  it('never repeats a write blindly after an ambiguous failure', () => {
    expect(decideRetry(state({ kind: 'ambiguous', canReconcile: false })).action).toBe('fail');
    expect(decideRetry(state({ kind: 'ambiguous', canReconcile: true })).action).toBe('reconcile');
    expect(
      decideRetry(
        state({ kind: 'ambiguous', canReconcile: true, attempts: DEFAULT_RETRY_POLICY.writeAttempts }),
      ).action,
    ).toBe('fail');
  });

  it('repeats writes that provably never ran, and lock time-outs with their own budget', () => {
    expect(decideRetry(state({ kind: 'not-sent' })).action).toBe('retry');
    expect(decideRetry(state({ kind: 'lock-timeout', attempts: 0, lockFailures: 5 })).action).toBe('retry');
    expect(
      decideRetry(
        state({ kind: 'lock-timeout', attempts: 0, lockFailures: DEFAULT_RETRY_POLICY.lockAttempts }),
      ).action,
    ).toBe('fail');
    expect(decideRetry(state({ kind: 'fatal' })).action).toBe('fail');
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(1, 200, 5000, () => 0)).toBe(100);
    expect(backoffDelay(1, 200, 5000, () => 1)).toBe(200);
    expect(backoffDelay(3, 200, 5000, () => 1)).toBe(800);
    expect(backoffDelay(20, 200, 5000, () => 1)).toBe(5000);
    const lockDelay = decideRetry(
      state({ kind: 'lock-timeout', lockFailures: 2 }),
      DEFAULT_RETRY_POLICY,
      () => 1,
    );
    expect(lockDelay).toEqual({ action: 'retry', delayMs: DEFAULT_RETRY_POLICY.lockBaseDelayMs * 2 });
  });
});
