#!/usr/bin/env tsx
/**
 * The Packer files that every image shares (plugins with the mise.toml pins, variables, the clone template,
 * the ISO source block) are generated from packer/_shared/*.tmpl and one spec per OS
 * (libs/template-builder/src/packer-files/spec.ts): `generate` writes the ones that differ, `check` fails
 * naming them.
 */
import { defineCommand, defineGroup, jsonOption, printResult, runScript } from '@infra/core';

const repoRoot = async () => (await import('@infra/toolchain')).findRepoRoot();

const generate = defineCommand({
  description: 'write the generated packer/<os>/ files that differ from their templates',
  options: { json: jsonOption },
  examples: ['packer-files.ts generate'],
  run: async ({ args }) => {
    const { writePackerFiles } = await import('@infra/template-builder/packer-files');
    const written = await writePackerFiles(await repoRoot());
    printResult({ written }, args.json, () =>
      written.length === 0 ? 'every generated Packer file is up to date' : `wrote ${written.join(', ')}`,
    );
  },
});

const check = defineCommand({
  description: 'fail (PACKER_FILES_STALE) when a generated packer/<os>/ file differs from its templates',
  options: { json: jsonOption },
  examples: ['packer-files.ts check'],
  run: async ({ args }) => {
    const { checkPackerFiles } = await import('@infra/template-builder/packer-files');
    const files = await checkPackerFiles(await repoRoot());
    printResult(
      { upToDate: files },
      args.json,
      () => `${files.length} generated Packer files are up to date`,
    );
  },
});

export const command = defineGroup({
  description: 'generated Packer files: shared templates rendered per OS (packer/_shared)',
  subcommands: { generate, check },
});

await runScript(import.meta.url, command);
