import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stripProvenance } from '../facts/bundle';

/** Test fixtures: real captured outputs, each naming its public source in its first line. */
export const FIXTURE_DIR = fileURLToPath(new URL('../../test-fixtures/gpu/', import.meta.url));

/** A fixture without its `# source:` line. */
export function fixture(name: string): string {
  return stripProvenance(readFileSync(`${FIXTURE_DIR}${name}`, 'utf8'));
}
