#!/usr/bin/env tsx
/**
 * pnpm tsx bench/up.bench.ts [--rounds 1] [--json]
 *
 * `./infra up` (scripts/up.ts, the up workflow) cold vs warm, on the embedded simulators with the real tofu,
 * bpg and talos providers and talosctl: each round takes a fresh copy of the working tree (no .infra/: no
 * template, no cluster, no workflow state), runs up once (cold: template build + cluster) and again (warm:
 * every step's up-to-date check, nothing to do). Wall time, Proxmox requests (all and POST/PUT/DELETE, from
 * the simulator's request log) and Talos ApplyConfiguration calls (the Talos simulator's records); the warm
 * run is reported as a ratio of the cold one measured in the same round.
 */
import { defineCommand, InfraError, jsonOption, option, printResult, runScript } from '@infra/core';
import { startUpCopy } from '../scripts/testing/up-copy';
import type { BenchErrorCode } from './support/error-codes';

interface Sample {
  ms: number;
  /** Per step: outcome and wall time, from the workflow's own report. */
  steps: Record<string, { outcome: string; ms: number }>;
  proxmoxRequests: number;
  proxmoxMutating: number;
  applyConfiguration: number;
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

export const command = defineCommand({
  description:
    './infra up cold (template + cluster) vs warm (no-op): wall time, requests, ApplyConfiguration',
  options: {
    rounds: option.integer('fresh copies to measure (cold + warm each)', { default: 1, min: 1, max: 5 }),
    json: jsonOption,
  },
  examples: ['up.bench.ts', 'up.bench.ts --rounds 3 --json'],
  run: async ({ args, log }) => {
    const cold: Sample[] = [];
    const warm: Sample[] = [];
    for (let round = 1; round <= args.rounds; round++) {
      const copy = await startUpCopy();
      try {
        for (const [bucket, label] of [
          [cold, 'cold'],
          [warm, 'warm'],
        ] as const) {
          const requests = await copy.proxmoxRequests();
          const applies = await copy.applyConfigurations();
          const run = await copy.up(['local', '--json']);
          if (run.exitCode !== 0)
            throw new InfraError<BenchErrorCode>(
              'BENCH_UNEXPECTED',
              `round ${round} ${label}: up exited ${run.exitCode}\n${run.all}`,
            );
          const after = await copy.proxmoxRequests();
          const report = JSON.parse(run.stdout) as {
            steps: Array<{ id: string; outcome: string; ms?: number }>;
          };
          bucket.push({
            ms: run.ms,
            steps: Object.fromEntries(report.steps.map((s) => [s.id, { outcome: s.outcome, ms: s.ms ?? 0 }])),
            proxmoxRequests: after.total - requests.total,
            proxmoxMutating: after.mutating - requests.mutating,
            applyConfiguration: (await copy.applyConfigurations()) - applies,
          });
          log.info(`round ${round}: ${label} ${(run.ms / 1000).toFixed(1)} s`);
        }
      } finally {
        await copy.close();
      }
    }
    const summarize = (samples: Sample[]) => ({
      medianMs: Math.round(median(samples.map((s) => s.ms))),
      steps: Object.fromEntries(
        Object.keys(samples[0]?.steps ?? {}).map((id) => [
          id,
          {
            outcome: samples[0]?.steps[id]?.outcome ?? '',
            medianMs: Math.round(median(samples.map((s) => s.steps[id]?.ms ?? 0))),
          },
        ]),
      ),
      proxmoxRequests: median(samples.map((s) => s.proxmoxRequests)),
      proxmoxMutating: median(samples.map((s) => s.proxmoxMutating)),
      applyConfiguration: median(samples.map((s) => s.applyConfiguration)),
    });
    const report = { rounds: args.rounds, cold: summarize(cold), warm: summarize(warm) };
    const ratio = report.warm.medianMs / Math.max(1, report.cold.medianMs);
    const line = (name: string, s: ReturnType<typeof summarize>) =>
      `  ${name}  ${(s.medianMs / 1000).toFixed(1).padStart(6)} s  ${String(s.proxmoxRequests).padStart(4)} Proxmox requests (${s.proxmoxMutating} POST/PUT/DELETE), ${s.applyConfiguration} ApplyConfiguration\n` +
      `      ${Object.entries(s.steps)
        .map(([id, step]) => `${id} ${(step.medianMs / 1000).toFixed(1)} s (${step.outcome})`)
        .join(', ')}`;
    printResult({ ...report, warmOverCold: Number(ratio.toFixed(3)) }, args.json, () =>
      [
        `./infra up on the embedded simulators (${args.rounds} round(s), median)`,
        line('cold (template + cluster)', report.cold),
        line('warm (no-op)             ', report.warm),
        `  warm / cold = ${ratio.toFixed(2)} (the warm run is ${(1 / Math.max(ratio, 0.001)).toFixed(1)}x faster)`,
      ].join('\n'),
    );
  },
});

await runScript(import.meta.url, command);
