/**
 * pnpm tsx bench/proxmox-client.bench.ts [--gets 1000] [--creates 100] [--concurrency 8] [--task-ms 50] [--json]
 *
 * Throughput and latency of @infra/proxmox-client against the `proxmox-api` npm client, both on one in-process
 * Proxmox simulator in the same run: GETs (version, nodes, cluster resources, storage status in rotation) and
 * VM creations (POST + wait for the qmcreate task).
 */
import { defineCommand, jsonOption, option, printResult, runScript } from '@infra/core';
import { runBenchmark } from '../libs/proxmox-client/src/bench/compare';
import type { Summary } from '../libs/proxmox-client/src/bench/stats';

const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(9);

function row(name: string, s: Summary): string {
  return `${name.padEnd(26)}${fmt(s.throughput)} /s ${fmt(s.p50)} ms ${fmt(s.p95)} ms ${fmt(s.max)} ms`;
}

export const command = defineCommand({
  description: 'this Proxmox client vs the proxmox-api npm client on the simulator: GETs and VM creations',
  options: {
    gets: option.integer('GET requests per client', { default: 1000, min: 1 }),
    creates: option.integer('VM creations per client (POST + wait for the task)', { default: 100, min: 1 }),
    concurrency: option.integer('requests in flight at once', { default: 8, min: 1 }),
    'task-ms': option.integer('how long each simulated Proxmox task runs', { default: 50, min: 0 }),
    json: jsonOption,
  },
  examples: ['proxmox-client.bench.ts --gets 100 --creates 10', 'proxmox-client.bench.ts --json'],
  run: async ({ args }) => {
    const result = await runBenchmark({
      gets: args.gets,
      creates: args.creates,
      concurrency: args.concurrency,
      taskMs: args['task-ms'],
    });
    const ratio = {
      getThroughput: result.ours.gets.throughput / result.theirs.gets.throughput,
      getP50: result.ours.gets.p50 / result.theirs.gets.p50,
      createThroughput: result.ours.creates.throughput / result.theirs.creates.throughput,
      createP50: result.ours.creates.p50 / result.theirs.creates.p50,
    };
    printResult({ ...result, ratio, args }, args.json, () =>
      [
        `proxmox-client vs proxmox-api@1.1.1 on pve-sim (concurrency ${args.concurrency}, task ${args['task-ms']} ms)`,
        `${''.padEnd(26)}${'throughput'.padStart(12)} ${'p50'.padStart(12)} ${'p95'.padStart(12)} ${'max'.padStart(12)}`,
        row(`GET ×${args.gets}  ours`, result.ours.gets),
        row(`GET ×${args.gets}  proxmox-api`, result.theirs.gets),
        row(`create ×${args.creates} ours`, result.ours.creates),
        row(`create ×${args.creates} proxmox-api`, result.theirs.creates),
        `ratio ours/proxmox-api: GET throughput ${ratio.getThroughput.toFixed(2)}×, GET p50 ${ratio.getP50.toFixed(2)}×, create throughput ${ratio.createThroughput.toFixed(2)}×, create p50 ${ratio.createP50.toFixed(2)}×`,
      ].join('\n'),
    );
  },
});

await runScript(import.meta.url, command);
