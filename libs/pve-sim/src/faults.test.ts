import { describe, expect, it } from 'vitest';
import { FaultInjector } from './faults';
import { createRng } from './rng';

describe('FaultInjector', () => {
  it('fires `times` times on matching method and glob path only', () => {
    const faults = new FaultInjector(createRng(1), [
      { kind: 'error', status: 503, method: 'POST', path: '/nodes/*/qemu', times: 2 },
    ]);
    expect(faults.forRequest('GET', '/nodes/pve/qemu').error).toBeUndefined();
    expect(faults.forRequest('POST', '/nodes/pve/qemu/100/clone').error).toBeUndefined();
    expect(faults.forRequest('POST', '/nodes/pve/qemu').error).toEqual({
      status: 503,
      message: 'Service Unavailable',
    });
    expect(faults.forRequest('POST', '/nodes/pve/qemu').error?.status).toBe(503);
    expect(faults.forRequest('POST', '/nodes/pve/qemu').error).toBeUndefined();
    expect(faults.list()[0]?.fired).toBe(2);
  });

  it('draws probabilities from the seeded RNG, so a seed repeats the same pattern', () => {
    const pattern = (seed: number) => {
      const faults = new FaultInjector(createRng(seed), [{ kind: 'reset', probability: 0.3 }]);
      return Array.from({ length: 40 }, () => (faults.forRequest('GET', '/version').reset ? 1 : 0)).join('');
    };
    expect(pattern(5)).toBe(pattern(5));
    expect(pattern(5)).not.toBe(pattern(6));
    const fired = [...pattern(5)].filter((c) => c === '1').length;
    expect(fired).toBeGreaterThan(3);
    expect(fired).toBeLessThan(25);
  });

  it('sums latencies, supports ** and regex paths, and scopes lock and task faults', () => {
    const faults = new FaultInjector(createRng(1), [
      { kind: 'latency', ms: 10 },
      { kind: 'latency', ms: 5, path: '/nodes/**' },
      { kind: 'lock-timeout', scope: 'storage', path: '^/nodes/pve/qemu$', times: 1 },
      { kind: 'task-failure', taskType: 'qmclone', message: 'clone failed: disk full' },
    ]);
    expect(faults.forRequest('GET', '/nodes/pve/qemu/1/config').latencyMs).toBe(15);
    expect(faults.forRequest('GET', '/version').latencyMs).toBe(10);
    expect(faults.lockTimeout('POST', '/nodes/pve/qemu', 'vm')).toBe(false);
    expect(faults.lockTimeout('POST', '/nodes/pve/qemu', 'storage')).toBe(true);
    expect(faults.lockTimeout('POST', '/nodes/pve/qemu', 'storage')).toBe(false);
    expect(faults.taskFailure('POST', '/x', 'qmcreate')).toBeNull();
    expect(faults.taskFailure('POST', '/x', 'qmclone')?.message).toBe('clone failed: disk full');
  });

  it('rejects rules that do not make sense', () => {
    const faults = new FaultInjector(createRng(1));
    expect(() => faults.add({ kind: 'error', status: 302 } as never)).toThrow();
    expect(() => faults.add({ kind: 'latency' } as never)).toThrow();
  });
});
