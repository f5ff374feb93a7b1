import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InfraError, log, runMain, writeFileAtomic } from '@infra/core';
import { z } from 'zod';
import type { CodegenErrorCode } from './error-codes';
import { generate } from './generate';
import { ALLOWLIST_FILE, findSchemaFile, GENERATED_DIR } from './paths';

const Args = z.object({ schema: z.string().optional(), check: z.boolean().default(false) });

await runMain(async () => {
  const { values } = parseArgs({
    options: { schema: { type: 'string' }, check: { type: 'boolean' } },
    allowPositionals: false,
  });
  const args = Args.parse(values);
  const schemaFile = args.schema ?? findSchemaFile();
  if (!schemaFile) {
    throw new InfraError<CodegenErrorCode>('PVE_SCHEMA_NOT_FOUND', 'cannot find pve-api-schema-9.0.json', {
      hint: 'pass --schema <file> or set PVE_API_SCHEMA (the reference copy lives in ../shared/reference/)',
    });
  }
  const files = generate(await readFile(schemaFile, 'utf8'), await readFile(ALLOWLIST_FILE, 'utf8'));
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
      {
        hint: 'run pnpm tsx tools/pve-codegen/src/main.ts and commit the result',
      },
    );
  }
  log.success(
    stale.length === 0
      ? 'generated files are up to date'
      : `${args.check ? 'stale' : 'wrote'}: ${stale.join(', ')}`,
  );
});
