#!/usr/bin/env tsx
/**
 * pnpm tsx bench/deploy.bench.ts [--sizes 1,5,20] [--json]
 *
 * The deploy stage with the real tofu and bpg provider against the simulator (one node, linked clones):
 * per N, the wall time and API requests of `apply` of N VMs, and of an unchanged re-plan (which must send 0
 * mutating requests). Ratios are against the baseline measured in the same run: the first size's apply
 * (normally N=1), so `apply N=20 / N=1` shows how the stage scales, and `re-plan / apply` what a no-op costs.
 * Needs the toolchain (tofu, bpg provider, sops, age).
 */
import { defineCommand, InfraError, jsonOption, log, option, printResult, runScript } from '@infra/core';
import { z } from 'zod';
import { deployEnvironment } from '../libs/deploy/src/deploy';
import { createWorld, MUTATING_METHODS, TEMPLATE_TAG, type World } from '../libs/deploy/src/testing/world';
import type { BenchErrorCode } from './support/error-codes';

interface Row {
  n: number;
  applySeconds: number;
  applyRequests: number;
  applyMutating: number;
  replanSeconds: number;
  replanRequests: number;
  replanMutating: number;
}

const wanted = { base: { tag: TEMPLATE_TAG, source: 'bench', build: 'createWorld()' } };

async function measure(world: World, action: 'apply' | 'plan', n: number) {
  const before = (await world.requests()).length;
  const started = performance.now();
  const result = await deployEnvironment({
    environment: world.environment,
    action,
    rootDir: world.rootDir,
    templates: wanted,
    variables: { vm_count: n },
    yes: true,
    env: world.env,
  });
  const seconds = (performance.now() - started) / 1000;
  const requests = (await world.requests()).slice(before);
  return {
    result,
    seconds,
    requests: requests.length,
    mutating: requests.filter((r) => MUTATING_METHODS.has(r.method)).length,
  };
}

export const command = defineCommand({
  description: 'time apply of N VMs and an unchanged re-plan on the simulator, with ratios to N=1',
  options: {
    sizes: option.value(
      'comma-separated VM counts; the first is the baseline',
      z
        .string()
        .regex(/^\d+(,\d+)*$/, 'expected counts like 1,5,20')
        .default('1,5,20'),
    ),
    json: jsonOption,
  },
  run: async ({ args }) => {
    const sizes = args.sizes.split(',').map(Number);
    const rows: Row[] = [];
    for (const n of sizes) {
      const world = await createWorld();
      try {
        log.step(`apply N=${n}`);
        const apply = await measure(world, 'apply', n);
        if (apply.result.changes?.add !== n)
          throw new InfraError<BenchErrorCode>(
            'BENCH_UNEXPECTED',
            `apply N=${n} added ${apply.result.changes?.add}`,
          );
        const replan = await measure(world, 'plan', n);
        if (replan.result.changed || replan.mutating > 0)
          throw new InfraError<BenchErrorCode>(
            'BENCH_UNEXPECTED',
            `re-plan N=${n} was not a no-op (${replan.mutating} mutating)`,
          );
        rows.push({
          n,
          applySeconds: apply.seconds,
          applyRequests: apply.requests,
          applyMutating: apply.mutating,
          replanSeconds: replan.seconds,
          replanRequests: replan.requests,
          replanMutating: replan.mutating,
        });
      } finally {
        await world.close();
      }
    }
    const base = rows[0]!;
    const report = rows.map((r) => ({
      ...r,
      applyRatio: r.applySeconds / base.applySeconds,
      replanToApply: r.replanSeconds / r.applySeconds,
    }));
    printResult(report, args.json, () =>
      [
        `baseline: apply N=${base.n} ${base.applySeconds.toFixed(1)} s`,
        ...report.map(
          (r) =>
            `N=${String(r.n).padStart(2)}  apply ${r.applySeconds.toFixed(1)} s (${r.applyRequests} requests, ${r.applyMutating} mutating, ×${r.applyRatio.toFixed(2)} of baseline)  ` +
            `re-plan ${r.replanSeconds.toFixed(1)} s (${r.replanRequests} requests, ${r.replanMutating} mutating, ${(r.replanToApply * 100).toFixed(0)}% of its apply)`,
        ),
      ].join('\n'),
    );
  },
});

await runScript(import.meta.url, command);
