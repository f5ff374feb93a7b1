#!/usr/bin/env tsx
/**
 * Drift of an environment: what exists on the cluster (templates, VMs in the template range, the GPU
 * mapping, tags) against what the config and the template fingerprints say should exist. Missing, extra and
 * changed items as a table or --json; exit codes like `tofu plan -detailed-exitcode`: 0 none, 2 drift,
 * 1 error. Read-only. Logic: libs/operations.
 */
import { defineCommand, jsonOption, option, printResult, runScript } from '@infra/core';

export const command = defineCommand({
  description:
    'compare the cluster with the config and template fingerprints (read-only; exit 0 none, 2 drift)',
  options: {
    env: option.string('environment (infra.config.yaml)', { short: 'e', default: 'local' }),
    json: jsonOption,
  },
  examples: ['drift.ts -e prod', 'drift.ts -e local --json'],
  run: async ({ args, log }) => {
    const [{ loadEnvironment }, { talosTemplate }, { runDrift, formatDrift }] = await Promise.all([
      import('@infra/config'),
      import('@infra/deploy'),
      import('@infra/operations'),
    ]);
    const environment = await loadEnvironment(args.env);
    const talos = await talosTemplate(environment);
    const report = await runDrift({ environment, templates: { talos: talos.wanted.tag }, logger: log });
    printResult(report, args.json, () => formatDrift(report.environment, report.items));
    return report.exitCode;
  },
});

await runScript(import.meta.url, command);
