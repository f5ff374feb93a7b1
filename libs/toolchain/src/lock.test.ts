import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireInstallLock } from './lock';

describe('acquireInstallLock', () => {
  it('holds the lock with our pid and releases it', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'infra-lock-')), 'tools', '.install.lock');
    const lock = await acquireInstallLock(file);
    expect((await readFile(file, 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
    await expect(readFile(file)).rejects.toThrow();
  });

  it('waits for a live owner and times out with a clear error', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'infra-lock-')), '.install.lock');
    const first = await acquireInstallLock(file);
    const started = Date.now();
    await expect(acquireInstallLock(file, { timeoutMs: 300, pollMs: 50 })).rejects.toMatchObject({
      code: 'TOOLCHAIN_LOCKED',
      message: expect.stringContaining(`pid ${process.pid}`),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await first.release();
    const second = await acquireInstallLock(file, { timeoutMs: 300, pollMs: 50 });
    await second.release();
  });

  it('takes over a lock whose process is gone', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'infra-lock-')), '.install.lock');
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid!;
    await new Promise((resolve) => child.on('close', resolve));
    await writeFile(file, `${deadPid}\n`);
    const lock = await acquireInstallLock(file, { timeoutMs: 1000, pollMs: 50 });
    expect((await readFile(file, 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
  });
});
