import { join } from 'node:path';
import { runProcess } from '@infra/core';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './paths';

const main = join(REPO_ROOT, 'tools/pve-codegen/src/main.ts');
const tsx = join(REPO_ROOT, 'node_modules/.bin/tsx');
const run = (...args: string[]) => runProcess(tsx, [main, ...args], { cwd: REPO_ROOT });

describe('tools/pve-codegen/src/main.ts', () => {
  it('prints generated help and exits 0', async () => {
    const result = await run('--help');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('usage: main.ts [--schema <file>] [--check]');
  });

  it('answers a bad option with the usage line and exit code 2, not "a bug in infra"', async () => {
    const result = await run('--chek');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('unknown option --chek [USAGE]');
    expect(result.stderr).not.toContain('bug in infra');
  });

  it('names a schema file it cannot read', async () => {
    const result = await run('--check', '--schema', join(REPO_ROOT, 'no-such-schema.json'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('cannot read the schema');
    expect(result.stderr).toContain('[PVE_SCHEMA_NOT_FOUND]');
  });
});
