#!/usr/bin/env tsx
/**
 * Drift of an environment: what exists on the cluster (templates, VMs, the GPU mapping, tags) against what
 * the config, the template fingerprints and the tofu state (`tofu show -json` of
 * terraform/environments/<env>, decrypted by tofu) say should exist. Missing, extra and changed items as a
 * table or --json; exit codes like `tofu plan -detailed-exitcode`: 0 none, 2 drift, 1 error. Read-only.
 * Logic: libs/operations.
 */
import { defineCommand, jsonOption, option, printResult, runScript } from '@infra/core';
import { z } from 'zod';

export const command = defineCommand({
  description:
    'compare the cluster with the config, template fingerprints and tofu state (read-only; exit 0 none, 2 drift)',
  options: {
    env: option.string('environment (infra.config.yaml)', { short: 'e', default: 'local' }),
    vm: option.list('only this VMID (repeatable); an unknown one is an error', {
      value: 'vmid',
      item: z.string().regex(/^[1-9]\d{2,8}$/, 'expected a VMID (100-999999999)'),
    }),
    'no-state': option.flag('do not read the tofu state (compare config and fingerprints only)'),
    json: jsonOption,
  },
  examples: ['drift.ts -e prod', 'drift.ts -e local --json', 'drift.ts -e prod --vm 120 --vm 121'],
  run: async ({ args, log }) => {
    const [{ loadEnvironment }, { talosTemplate }, { runDrift, formatDrift }] = await Promise.all([
      import('@infra/config'),
      import('@infra/deploy'),
      import('@infra/operations'),
    ]);
    const environment = await loadEnvironment(args.env);
    const talos = await talosTemplate(environment);
    const report = await runDrift({
      environment,
      templates: { talos: talos.wanted.tag },
      ...(args['no-state'] ? { state: false as const } : {}),
      ...(args.vm.length > 0 ? { vmids: args.vm.map(Number) } : {}),
      logger: log,
    });
    printResult(report, args.json, () => formatDrift(report.environment, report.items, report.state));
    return report.exitCode;
  },
});

await runScript(import.meta.url, command);
