#!/usr/bin/env tsx
/**
 * Preflight of an environment's Proxmox host, before anything else runs: the endpoint answers and its TLS
 * verifies, the token holds the privileges every stage's API calls need (from the official schema's
 * permission blocks), the storages take the content types they need, the bridge exists, the VMID range holds
 * only our objects, the GPU mapping is valid, and the PVE/Talos/Kubernetes versions fit. Read-only; each
 * failure prints the exact pveum/pvesm/pvesh command that fixes it. Exit 0 when every check passed, 1 when
 * one failed. With --bundle it also writes an anonymised diagnostics archive (versions, config without
 * secrets, logs under .infra/, the host's inventory, the GPU facts bundle, tofu plan summaries) to share when
 * asking for help. Logic: libs/operations.
 */
import { defineCommand, jsonOption, option, printResult, runScript } from '@infra/core';

export const command = defineCommand({
  description: "check an environment's Proxmox host before building or deploying (read-only)",
  options: {
    env: option.string('environment (infra.config.yaml)', { short: 'e', default: 'local' }),
    bundle: option.string('also write an anonymised diagnostics bundle (.tar.gz, 0600) to this path', {
      value: 'file',
    }),
    facts: option.string('a GPU facts bundle directory (gpu-host.ts collect --out) to put in the bundle', {
      value: 'dir',
    }),
    json: jsonOption,
  },
  examples: [
    'doctor.ts -e prod',
    'doctor.ts -e local --json',
    'doctor.ts -e prod --bundle diagnostics.tar.gz --facts ./facts',
  ],
  run: async ({ args, log, signal }) => {
    const [{ loadEnvironment }, { createBundle, runDoctor, formatDoctorReport }] = await Promise.all([
      import('@infra/config'),
      import('@infra/operations'),
    ]);
    const environment = await loadEnvironment(args.env);
    if (args.bundle) {
      const { resolve } = await import('node:path');
      const result = await createBundle({
        environment,
        out: resolve(args.bundle),
        ...(args.facts ? { factsDir: resolve(args.facts) } : {}),
        logger: log,
        signal,
      });
      const { doctor, ...bundle } = result;
      printResult({ ...doctor, bundle }, args.json, () =>
        [
          formatDoctorReport(doctor),
          `bundle: ${bundle.out} (${bundle.manifest.items.length} files, ${bundle.bytes} bytes; not collected: ${bundle.manifest.skipped.map((s) => s.path).join(', ') || 'none'})`,
          `replaced: ${
            Object.entries(bundle.manifest.redacted)
              .map(([kind, n]) => `${n} ${kind}`)
              .join(', ') || 'nothing'
          } (manifest.json lists each file)`,
        ].join('\n'),
      );
      return doctor.ok ? 0 : 1;
    }
    const report = await runDoctor({ environment, logger: log });
    printResult(report, args.json, () => formatDoctorReport(report));
    return report.ok ? 0 : 1;
  },
});

await runScript(import.meta.url, command);
