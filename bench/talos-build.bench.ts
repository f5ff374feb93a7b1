#!/usr/bin/env tsx
/**
 * pnpm tsx bench/talos-build.bench.ts [--rounds 3] [--task-ms 200] [--json]
 *
 * Wall time and request counts of `talos:build-image` (the library call the script makes) on the simulators:
 * a first build (empty node) vs an up-to-date rebuild, each round on fresh simulators in a temp directory.
 * `--task-ms` is how long each simulated Proxmox task runs (download, create, template).
 */
import { defineCommand, InfraError, jsonOption, log, option, printResult, runScript } from '@infra/core';
import { buildImage } from '../libs/template-builder/src/build';
import { startHarness } from '../libs/template-builder/src/testing/harness';
import type { BenchErrorCode } from './support/error-codes';

interface Sample {
  ms: number;
  proxmoxRequests: number;
  proxmoxMutating: number;
  factoryRequests: number;
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

export const command = defineCommand({
  description: 'talos:build-image on the simulators: a first build vs an up-to-date rebuild',
  options: {
    rounds: option.integer('rounds, each on fresh simulators', { default: 3, min: 1, max: 20 }),
    'task-ms': option.integer('how long each simulated Proxmox task runs (download, create, template)', {
      default: 200,
      min: 0,
      max: 10_000,
    }),
    json: jsonOption,
  },
  examples: ['talos-build.bench.ts --rounds 1 --task-ms 0', 'talos-build.bench.ts --json'],
  run: async ({ args }) => {
    const taskMs = args['task-ms'];
    const first: Sample[] = [];
    const rebuild: Sample[] = [];
    for (let round = 1; round <= args.rounds; round++) {
      const h = await startHarness({
        taskMs,
        extensions: [
          'siderolabs/nvidia-container-toolkit-production',
          'siderolabs/nvidia-open-gpu-kernel-modules-production',
          'siderolabs/qemu-guest-agent',
        ],
      });
      try {
        for (const [bucket, expected] of [
          [first, 'built'],
          [rebuild, 'up-to-date'],
        ] as const) {
          const factoryBefore = h.factory.requests.length;
          const started = performance.now();
          const result = await buildImage(h.env, 'talos', { connection: h.connection });
          const ms = performance.now() - started;
          if (result.status !== expected)
            throw new InfraError<BenchErrorCode>(
              'BENCH_UNEXPECTED',
              `round ${round}: expected ${expected}, got ${result.status}`,
            );
          bucket.push({
            ms,
            proxmoxRequests: result.proxmoxRequests.total,
            proxmoxMutating: result.proxmoxRequests.mutating,
            factoryRequests: h.factory.requests.length - factoryBefore,
          });
        }
        log.info(
          `round ${round}: first build ${first.at(-1)?.ms.toFixed(0)} ms, rebuild ${rebuild.at(-1)?.ms.toFixed(0)} ms`,
        );
      } finally {
        await h.stop();
      }
    }
    const summarize = (samples: Sample[]) => ({
      medianMs: Math.round(median(samples.map((s) => s.ms))),
      minMs: Math.round(Math.min(...samples.map((s) => s.ms))),
      maxMs: Math.round(Math.max(...samples.map((s) => s.ms))),
      proxmoxRequests: median(samples.map((s) => s.proxmoxRequests)),
      proxmoxMutating: median(samples.map((s) => s.proxmoxMutating)),
      factoryRequests: median(samples.map((s) => s.factoryRequests)),
    });
    const report = {
      rounds: args.rounds,
      simulatedTaskMs: taskMs,
      firstBuild: summarize(first),
      upToDateRebuild: summarize(rebuild),
    };
    const ratio = report.firstBuild.medianMs / Math.max(1, report.upToDateRebuild.medianMs);
    printResult({ ...report, speedup: Number(ratio.toFixed(1)) }, args.json, () =>
      [
        `talos:build-image on the simulators (${args.rounds} rounds, simulated tasks ${taskMs} ms)`,
        `  first build        median ${report.firstBuild.medianMs} ms (min ${report.firstBuild.minMs}, max ${report.firstBuild.maxMs})  ` +
          `${report.firstBuild.proxmoxRequests} Proxmox requests (${report.firstBuild.proxmoxMutating} POST/PUT/DELETE), ${report.firstBuild.factoryRequests} factory requests`,
        `  up-to-date rebuild median ${report.upToDateRebuild.medianMs} ms (min ${report.upToDateRebuild.minMs}, max ${report.upToDateRebuild.maxMs})  ` +
          `${report.upToDateRebuild.proxmoxRequests} Proxmox requests (${report.upToDateRebuild.proxmoxMutating} POST/PUT/DELETE), ${report.upToDateRebuild.factoryRequests} factory requests`,
        `  rebuild is ${ratio.toFixed(1)}x faster than a first build`,
      ].join('\n'),
    );
  },
});

await runScript(import.meta.url, command);
