#!/usr/bin/env tsx
/**
 * Adopts VMs made outside this project: OpenTofu `import` blocks plus configuration in the repo's style,
 * one file per VM, generated from what the bpg provider reads (a `tofu plan` of the import blocks in
 * a scratch root module) and checked there to plan no change. Refuses VMs the project already manages (infra
 * tag or in the tofu state) and unknown VMIDs. Writes nothing on the host. Logic: libs/operations.
 */
import { defineCommand, jsonOption, option, printResult, runScript } from '@infra/core';
import { z } from 'zod';

export const command = defineCommand({
  description: 'generate tofu import blocks and config for VMs made by hand (checked: plans no change)',
  options: {
    env: option.string('environment (infra.config.yaml)', { short: 'e', default: 'local' }),
    vm: option.list('VMID to import (repeatable); default: every unmanaged VM that is not a template', {
      value: 'vmid',
      item: z.string().regex(/^[1-9]\d{2,8}$/, 'expected a VMID (100-999999999)'),
    }),
    out: option.string('directory for the files (default: terraform/environments/<env>)', { value: 'dir' }),
    json: jsonOption,
  },
  examples: ['import.ts -e prod --vm 120 --vm 121', 'import.ts -e local --out /tmp/imported --json'],
  run: async ({ args, log, signal }) => {
    const [{ resolve }, { loadEnvironment }, { runImport, formatImport }] = await Promise.all([
      import('node:path'),
      import('@infra/config'),
      import('@infra/operations'),
    ]);
    const environment = await loadEnvironment(args.env);
    const result = await runImport({
      environment,
      vmids: args.vm.map(Number),
      ...(args.out ? { outDir: resolve(args.out) } : {}),
      logger: log,
      signal,
    });
    printResult(result, args.json, () => formatImport(result));
    return 0;
  },
});

await runScript(import.meta.url, command);
