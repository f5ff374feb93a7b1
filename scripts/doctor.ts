#!/usr/bin/env tsx
/**
 * Preflight of an environment's Proxmox host, before anything else runs: the endpoint answers and its TLS
 * verifies, the token holds the privileges every stage's API calls need (from the official schema's
 * permission blocks), the storages take the content types they need, the bridge exists, the VMID range holds
 * only our objects, the GPU mapping is valid, and the PVE/Talos/Kubernetes versions fit. Read-only; each
 * failure prints the exact pveum/pvesm/pvesh command that fixes it. Exit 0 when every check passed, 1 when
 * one failed. Logic: libs/operations.
 */
import { defineCommand, jsonOption, option, printResult, runScript } from '@infra/core';

export const command = defineCommand({
  description: "check an environment's Proxmox host before building or deploying (read-only)",
  options: {
    env: option.string('environment (infra.config.yaml)', { short: 'e', default: 'local' }),
    json: jsonOption,
  },
  examples: ['doctor.ts -e prod', 'doctor.ts -e local --json'],
  run: async ({ args, log }) => {
    const [{ loadEnvironment }, { runDoctor, formatDoctorReport }] = await Promise.all([
      import('@infra/config'),
      import('@infra/operations'),
    ]);
    const environment = await loadEnvironment(args.env);
    const report = await runDoctor({ environment, logger: log });
    printResult(report, args.json, () => formatDoctorReport(report));
    return report.ok ? 0 : 1;
  },
});

await runScript(import.meta.url, command);
