import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withDirectoryLock } from './dir-lock';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dir-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('withDirectoryLock', () => {
  it('runs callers one at a time and removes the lock afterwards', async () => {
    const lock = join(dir, '.lock');
    const order: string[] = [];
    const job = (name: string) =>
      withDirectoryLock(
        lock,
        async () => {
          order.push(`${name} in`);
          expect(await readFile(join(lock, 'pid'), 'utf8')).toBe(`${process.pid}\n`);
          await new Promise((resolve) => setTimeout(resolve, 50));
          order.push(`${name} out`);
        },
        { pollMs: 10 },
      );
    await Promise.all([job('a'), job('b')]);
    expect(order).toEqual(
      order[0] === 'a in' ? ['a in', 'a out', 'b in', 'b out'] : ['b in', 'b out', 'a in', 'a out'],
    );
    await expect(stat(lock)).rejects.toThrow();
  });

  it('takes over a lock whose holder died', async () => {
    const lock = join(dir, '.lock');
    const dead = await execa('sh', ['-c', 'echo $$']); // a pid that has exited
    await mkdir(lock);
    await writeFile(join(lock, 'pid'), `${dead.stdout.trim()}\n`);
    expect(await withDirectoryLock(lock, async () => 'ran', { timeoutMs: 2000 })).toBe('ran');
  });

  it('gives up on a live holder after the timeout, naming the lock and its pid', async () => {
    const lock = join(dir, '.lock');
    await mkdir(lock);
    await writeFile(join(lock, 'pid'), `${process.pid}\n`);
    await expect(
      withDirectoryLock(lock, async () => 'ran', { timeoutMs: 200, pollMs: 20 }),
    ).rejects.toMatchObject({
      code: 'LOCK_TIMEOUT',
      message: expect.stringContaining(`held by pid ${process.pid}`),
    });
  });
});
