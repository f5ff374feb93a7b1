import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InfraError } from '@infra/core';
import type { ToolchainErrorCode } from './error-codes';
import { parseManifest, type ToolSpec } from './manifest';

/** The repo root: $INFRA_ROOT, else the nearest ancestor of `start` with a mise.toml. */
export function findRepoRoot(start: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  if (env.INFRA_ROOT && existsSync(join(env.INFRA_ROOT, 'mise.toml'))) return resolve(env.INFRA_ROOT);
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'mise.toml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new InfraError<ToolchainErrorCode>(
        'TOOLCHAIN_MANIFEST_NOT_FOUND',
        `no mise.toml in ${start} or any parent directory`,
        {
          hint: 'run from inside the infra repository (mise.toml at its root pins every tool)',
        },
      );
    }
    dir = parent;
  }
}

export async function loadManifest(root: string): Promise<{ file: string; specs: ToolSpec[] }> {
  const file = join(root, 'mise.toml');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_MANIFEST_NOT_FOUND',
      `cannot read ${file}: ${error.code ?? error.message}`,
      {
        hint: 'mise.toml at the repo root pins every tool; restore it from git',
        cause: error,
      },
    );
  });
  return { file, specs: parseManifest(text, file) };
}
