#!/usr/bin/env tsx
import {
  DEFAULT_ENVIRONMENT,
  describeComponent,
  formatDescribed,
  loadResolvedEnvironment,
  validateConfig,
} from '@infra/config';
/** infra.config.yaml: resolved values with the layer each came from, and a check of every environment. */
import {
  defineCommand,
  defineGroup,
  jsonOption,
  option,
  positional,
  printResult,
  runScript,
} from '@infra/core';

const describe = defineCommand({
  description: 'resolved values of one component and the layer each came from',
  positionals: {
    component: positional.required(
      'component',
      'talos, debian, proxmox, templates, gpu, secrets, proxmox-vm, ...',
    ),
  },
  options: {
    env: option.string('environment', { short: 'e', default: DEFAULT_ENVIRONMENT }),
    json: jsonOption,
  },
  examples: ['config.ts describe talos -e local'],
  run: async ({ args, log }) => {
    const resolved = await loadResolvedEnvironment(args.env);
    const described = describeComponent(resolved, args.component);
    if (!args.json)
      log.step(`${args.component} in environment "${args.env}" (${resolved.environment.configFile})`);
    printResult(described, args.json, () => formatDescribed(described));
  },
});

const validate = defineCommand({
  description: 'check every environment in infra.config.yaml',
  options: { json: jsonOption },
  run: async ({ args }) => {
    const names = await validateConfig();
    printResult(
      { valid: true, environments: names },
      args.json,
      () => `infra.config.yaml is valid (environments: ${names.join(', ')})`,
    );
  },
});

export const command = defineGroup({
  description: 'infra.config.yaml: describe resolved values, validate every environment',
  subcommands: { describe, validate },
});

await runScript(import.meta.url, command);
