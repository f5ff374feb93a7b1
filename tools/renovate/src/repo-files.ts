import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '@infra/core';
import { isPinFile, managerReads } from './audit';
import type { RenovateConfig } from './config';

/** The tracked files that hold pins or that a custom manager reads, as Renovate sees them (git's list). */
export async function loadRepoFiles(root: string, config: RenovateConfig): Promise<Map<string, string>> {
  const { stdout } = await runProcess('git', ['-C', root, 'ls-files', '-z'], { check: true });
  const files = new Map<string, string>();
  for (const file of stdout.split('\0').filter(Boolean)) {
    if (isPinFile(file) || config.customManagers.some((m) => managerReads(m, file))) {
      files.set(file, await readFile(join(root, file), 'utf8'));
    }
  }
  return files;
}
