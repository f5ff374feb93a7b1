import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMA_FILE_NAME } from './generate';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '../../..');
export const ALLOWLIST_FILE = join(REPO_ROOT, 'tools/pve-codegen/endpoints.txt');
export const GENERATED_DIR = join(REPO_ROOT, 'libs/pve-api/src/generated');

/**
 * The schema is a 1 MB reference file kept beside the repo (`../shared/reference/`), not in it. PVE_API_SCHEMA
 * overrides the location. Returns the first candidate that exists, or undefined.
 */
export function findSchemaFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    env.PVE_API_SCHEMA,
    join(REPO_ROOT, '../shared/reference', SCHEMA_FILE_NAME),
    '/work/shared/reference/pve-api-schema-9.0.json',
  ].filter((c): c is string => typeof c === 'string' && c !== '');
  return candidates.find((c) => existsSync(c));
}
