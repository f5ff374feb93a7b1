#!/usr/bin/env tsx
/** Writes (or checks) libs/pve-api/src/generated from the official Proxmox VE 9.0 API schema. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineCommand, InfraError, log, option, runScript, writeFileAtomic } from '@infra/core';
import type { CodegenErrorCode } from './error-codes';
import { generate } from './generate';
import { ALLOWLIST_FILE, findSchemaFile, GENERATED_DIR } from './paths';

export const command = defineCommand({
  description: 'generate libs/pve-api/src/generated from the Proxmox VE 9.0 API schema',
  options: {
    schema: option.string('the schema file (default: $PVE_API_SCHEMA, then ../shared/reference/)', {
      value: 'file',
    }),
    check: option.flag('write nothing; fail with PVE_GENERATED_STALE when a file would change'),
  },
  examples: ['tsx tools/pve-codegen/src/main.ts', 'tsx tools/pve-codegen/src/main.ts --check'],
  run: async ({ args }) => {
    const schemaFile = args.schema ?? findSchemaFile();
    if (!schemaFile) {
      throw new InfraError<CodegenErrorCode>('PVE_SCHEMA_NOT_FOUND', 'cannot find pve-api-schema-9.0.json', {
        hint: 'pass --schema <file> or set PVE_API_SCHEMA (tools/pve-codegen/README.md says where it comes from)',
      });
    }
    const schemaText = await readFile(schemaFile, 'utf8').catch((cause: unknown) => {
      throw new InfraError<CodegenErrorCode>('PVE_SCHEMA_NOT_FOUND', `cannot read the schema ${schemaFile}`, {
        hint: 'pass --schema with the path of pve-api-schema-9.0.json (tools/pve-codegen/README.md)',
        cause,
      });
    });
    const files = generate(schemaText, await readFile(ALLOWLIST_FILE, 'utf8'));
    const stale: string[] = [];
    for (const [name, content] of files) {
      const target = join(GENERATED_DIR, name);
      const current = await readFile(target, 'utf8').catch(() => undefined);
      if (current === content) continue;
      stale.push(name);
      if (!args.check) await writeFileAtomic(target, content);
    }
    if (args.check && stale.length > 0) {
      throw new InfraError<CodegenErrorCode>(
        'PVE_GENERATED_STALE',
        `libs/pve-api/src/generated is stale: ${stale.join(', ')}`,
        { hint: 'run tsx tools/pve-codegen/src/main.ts and commit the result' },
      );
    }
    log.success(
      stale.length === 0
        ? 'generated files are up to date'
        : `${args.check ? 'stale' : 'wrote'}: ${stale.join(', ')}`,
    );
  },
});

await runScript(import.meta.url, command);
