/** Latency statistics for the benchmark (pure). */
export interface Summary {
  count: number;
  totalMs: number;
  /** Requests (or operations) per second over the wall-clock time of the run. */
  throughput: number;
  p50: number;
  p95: number;
  max: number;
}

/** Nearest-rank percentile of an ascending-sorted list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(latenciesMs: readonly number[], wallMs: number): Summary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    totalMs: wallMs,
    throughput: wallMs > 0 ? (sorted.length * 1000) / wallMs : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export interface Sample {
  latencies: number[];
  wallMs: number;
}

/** Runs jobs `from`…`from+count-1` with at most `concurrency` at once; returns each latency and the wall time. */
export async function sample(
  from: number,
  count: number,
  concurrency: number,
  job: (i: number) => Promise<unknown>,
): Promise<Sample> {
  const latencies: number[] = new Array(count);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const t0 = performance.now();
      await job(from + i);
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { latencies, wallMs: performance.now() - started };
}

export async function timed(
  count: number,
  concurrency: number,
  job: (i: number) => Promise<unknown>,
): Promise<Summary> {
  const s = await sample(0, count, concurrency, job);
  return summarize(s.latencies, s.wallMs);
}

/**
 * Runs two contenders in alternating rounds (A B, B A, A B, …) so that neither always meets a fresher or a
 * more loaded server; each gets `total` jobs in all.
 */
export async function interleaved(
  total: number,
  rounds: number,
  concurrency: number,
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
): Promise<[Summary, Summary]> {
  const acc: [Sample, Sample] = [
    { latencies: [], wallMs: 0 },
    { latencies: [], wallMs: 0 },
  ];
  const per = Math.ceil(total / rounds);
  for (let r = 0, from = 0; from < total; r += 1, from += per) {
    const count = Math.min(per, total - from);
    const order = r % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const);
    for (const which of order) {
      const s = await sample(from, count, concurrency, which === 0 ? a : b);
      acc[which].latencies.push(...s.latencies);
      acc[which].wallMs += s.wallMs;
    }
  }
  return [summarize(acc[0].latencies, acc[0].wallMs), summarize(acc[1].latencies, acc[1].wallMs)];
}
