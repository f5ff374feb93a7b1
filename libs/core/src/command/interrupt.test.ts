import { describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { trackProcessGroup, watchInterrupts } from './interrupt';

describe('watchInterrupts', () => {
  it('first signal aborts with INTERRUPTED; a second one exits at once with the signal code', () => {
    const lines: string[] = [];
    const exits: number[] = [];
    const interrupt = watchInterrupts(
      createLogger({ write: (chunk: string) => lines.push(chunk) }),
      (code) => {
        exits.push(code);
        return undefined as never;
      },
    );
    try {
      // A group that no longer exists: the hard exit must not trip over it.
      const untrack = trackProcessGroup(2 ** 22 + 12345);
      process.emit('SIGTERM');
      expect(interrupt.signal.aborted).toBe(true);
      expect(interrupt.signal.reason).toMatchObject({
        code: 'INTERRUPTED',
        message: 'interrupted by SIGTERM',
      });
      expect(interrupt.exitCode()).toBe(143);
      expect(exits).toEqual([]);
      expect(lines.join('')).toContain('SIGTERM: stopping and cleaning up (send it again to exit at once)');
      process.emit('SIGINT');
      expect(exits).toEqual([130]);
      untrack();
    } finally {
      interrupt.dispose();
    }
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});
