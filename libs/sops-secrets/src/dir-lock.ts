import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError } from '@infra/core';
import type { SopsErrorCode } from './error-codes';

export interface DirectoryLockOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  pollMs?: number;
}

/** A lock directory without a pid file this old was left by a process that died between mkdir and write. */
const PIDLESS_STALE_MS = 10_000;

/**
 * Runs `fn` while holding the lock directory `path` (mkdir is atomic, so exactly one process creates it). The
 * holder's pid is written inside; a lock whose holder is gone (crash, kill -9) is taken over, so a dead run
 * never blocks the next one. Other processes wait, at most `timeoutMs`.
 */
export async function withDirectoryLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: DirectoryLockOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const pollMs = options.pollMs ?? 100;
  for (;;) {
    try {
      await mkdir(path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await isStale(path)) {
      await rm(path, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      const holder = await readFile(join(path, 'pid'), 'utf8').catch(() => '?');
      throw new InfraError<SopsErrorCode>(
        'LOCK_TIMEOUT',
        `timed out waiting for the lock ${path} (held by pid ${holder.trim()})`,
        {
          hint: `if no infra process is running, remove ${path}`,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  try {
    await writeFile(join(path, 'pid'), `${process.pid}\n`);
    return await fn();
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}

async function isStale(path: string): Promise<boolean> {
  const pid = Number.parseInt(await readFile(join(path, 'pid'), 'utf8').catch(() => ''), 10);
  if (Number.isInteger(pid) && pid > 0) return !isAlive(pid);
  const created = await stat(path).then(
    (info) => info.mtimeMs,
    () => Date.now(),
  );
  return Date.now() - created > PIDLESS_STALE_MS;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
