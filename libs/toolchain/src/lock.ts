import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InfraError, log } from '@infra/core';
import type { ToolchainErrorCode } from './error-codes';

/**
 * One install at a time per cache: several clones (or engineers) on one machine share $INFRA_CACHE_DIR.
 * The lock is a file holding the owner's pid, created with O_EXCL; a lock whose process is gone is stale
 * and taken over.
 */
export interface InstallLock {
  release(): Promise<void>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireInstallLock(
  lockFile: string,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<InstallLock> {
  const timeoutMs = options.timeoutMs ?? 60 * 60_000;
  const pollMs = options.pollMs ?? 1000;
  await mkdir(dirname(lockFile), { recursive: true });
  const started = Date.now();
  let lastNotice = 0;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => rm(lockFile, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(owner) || owner <= 0 || !processAlive(owner)) {
      // Stale (its process died) or half-written; remove it and retry at once.
      await rm(lockFile, { force: true });
      continue;
    }
    const waited = Date.now() - started;
    if (waited > timeoutMs) {
      throw new InfraError<ToolchainErrorCode>(
        'TOOLCHAIN_LOCKED',
        `another toolchain install (pid ${owner}) holds ${lockFile}`,
        {
          hint: `wait for it to finish, or stop it (kill ${owner}) and rerun`,
        },
      );
    }
    if (waited - lastNotice >= 30_000 || lastNotice === 0) {
      log.info(`waiting for another toolchain install (pid ${owner}) to finish`);
      lastNotice = waited || 1;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
