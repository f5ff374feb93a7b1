import { describe, expect, it } from 'vitest';
import { interleaved, percentile, summarize, timed } from './stats';

describe('bench statistics', () => {
  it('uses nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(10);
    expect(percentile(sorted, 95)).toBe(19);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('derives throughput from wall time, not the sum of latencies', () => {
    const s = summarize([10, 10, 10, 10], 20);
    expect(s.throughput).toBe(200);
    expect([s.p50, s.p95, s.max]).toEqual([10, 10, 10]);
  });

  it('runs every job once with bounded concurrency', async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    const summary = await timed(25, 4, async (i) => {
      active += 1;
      peak = Math.max(peak, active);
      seen.push(i);
      await new Promise((r) => setTimeout(r, 1));
      active -= 1;
    });
    expect(summary.count).toBe(25);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(peak).toBe(4);
  });

  it('interleaves two contenders in alternating order and gives each every job once', async () => {
    const log: string[] = [];
    const [a, b] = await interleaved(
      6,
      3,
      1,
      async (i) => log.push(`a${i}`),
      async (i) => log.push(`b${i}`),
    );
    expect(log).toEqual(['a0', 'a1', 'b0', 'b1', 'b2', 'b3', 'a2', 'a3', 'a4', 'a5', 'b4', 'b5']);
    expect([a.count, b.count]).toEqual([6, 6]);
  });
});
