#!/usr/bin/env tsx
/**
 * Runs every real validator for one project and prints one line per finding
 * (`file:line:col  severity  rule  message  (tool)`) or, with --json, the whole report. Exits 1 on any error
 * finding. The Nx `validate` targets run exactly this from the workspace root.
 */
import { defineCommand, jsonOption, option, positional, printResult, runScript } from '@infra/core';
import { formatReport, VALIDATION_KINDS, validateProject } from '@infra/validators';

export const command = defineCommand({
  description: 'run the real validators for one project (what the Nx validate targets run)',
  positionals: {
    kind: positional.oneOf(VALIDATION_KINDS, 'kind', 'which validators to run'),
    projectRoot: positional.required('projectRoot', 'the project folder, relative to the workspace root'),
  },
  options: {
    json: jsonOption,
    env: option.string('infra.config.yaml environment whose values the Packer/Talos checks use', {
      short: 'e',
      default: 'local',
    }),
    fix: option.flag('rewrite generated sections (terraform-docs in a module README) instead of failing'),
  },
  examples: ['validate.ts packer packer/talos', 'validate.ts terraform terraform/modules/proxmox-vm --fix'],
  run: async ({ args, log }) => {
    if (!args.json) log.step(`validate ${args.kind} ${args.projectRoot}`);
    const report = await validateProject(args.kind, args.projectRoot, {
      repoRoot: process.cwd(),
      environment: args.env,
      fix: args.fix,
    });
    printResult(report, args.json, () => formatReport(report));
    return report.ok ? 0 : 1;
  },
});

await runScript(import.meta.url, command);
