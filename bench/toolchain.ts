/**
 * Toolchain timings: how long each tool took to obtain when it was installed (recorded in its cache marker),
 * and how long a warm `install` (nothing to do) and `doctor` take now.
 *   pnpm tsx bench/toolchain.ts [--json]
 * For a cold measurement, run the install with empty caches first, e.g.
 *   INFRA_CACHE_DIR=$(mktemp -d) GOCACHE=$(mktemp -d) GOMODCACHE=$(mktemp -d) PIP_NO_CACHE_DIR=1 \
 *     PATH=<PATH without ~/.cache/infra/tools/bin> pnpm tsx scripts/toolchain.ts install
 * and point this script at the same INFRA_CACHE_DIR.
 */
import { cpus, loadavg } from 'node:os';
import { defineCommand, jsonOption, printResult, runScript } from '@infra/core';
import {
  cacheLayout,
  doctor,
  findPython,
  findRepoRoot,
  installToolchain,
  loadManifest,
  readToolMarker,
} from '@infra/toolchain';

const quiet = { step() {}, info() {}, success() {}, warn() {}, error() {}, debug() {} };

export const command = defineCommand({
  description: 'toolchain install time per tool (from its cache marker), a warm install and doctor now',
  options: { json: jsonOption },
  examples: ['toolchain.ts', 'toolchain.ts --json'],
  run: async ({ args }) => {
    const root = findRepoRoot();
    const layout = cacheLayout();
    const { specs } = await loadManifest(root);
    const python = await findPython().catch(() => undefined);

    const installs: { tool: string; version: string; method: string; seconds: number; at: string }[] = [];
    const seenHomes = new Set<string>();
    for (const spec of specs) {
      const installed = await readToolMarker(spec, layout, python, specs);
      if (!installed || seenHomes.has(installed.home)) continue;
      seenHomes.add(installed.home);
      const tool = spec.recipe.kind === 'pip' ? 'python venv (all pipx: pins)' : spec.id;
      installs.push({
        tool,
        version: spec.recipe.kind === 'pip' ? '-' : spec.version,
        method: installed.marker.method,
        seconds: installed.marker.durationMs / 1000,
        at: installed.marker.obtainedAt,
      });
    }

    let t0 = Date.now();
    const warm = await installToolchain({ root, layout, logger: quiet });
    const warmSeconds = (Date.now() - t0) / 1000;
    t0 = Date.now();
    const report = await doctor({ root, layout });
    const doctorSeconds = (Date.now() - t0) / 1000;

    const result = {
      machine: { cpus: cpus().length, loadavg1: Number(loadavg()[0]!.toFixed(2)) },
      installs,
      sumOfInstallSeconds: Number(installs.reduce((sum, i) => sum + i.seconds, 0).toFixed(1)),
      warmInstallSeconds: warmSeconds,
      warmInstallFailures: warm.failures.length,
      doctorSeconds,
      doctorOk: report.ok,
    };
    printResult(result, args.json, () =>
      [
        `machine: ${result.machine.cpus} cpus, load ${result.machine.loadavg1}`,
        'install time per tool (from the cache markers; lanes run in parallel, so the wall time is less than the sum):',
        ...installs.map(
          (i) =>
            `  ${i.tool.padEnd(32)} ${i.version.padEnd(18)} ${i.method.padEnd(17)} ${i.seconds.toFixed(1).padStart(7)}s`,
        ),
        `  sum ${result.sumOfInstallSeconds}s`,
        `warm install (nothing to do): ${warmSeconds.toFixed(1)}s`,
        `doctor: ${doctorSeconds.toFixed(1)}s (${report.ok ? 'ok' : 'incomplete'})`,
      ].join('\n'),
    );
  },
});

await runScript(import.meta.url, command);
