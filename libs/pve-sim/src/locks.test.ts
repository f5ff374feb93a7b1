import { describe, expect, it } from 'vitest';
import { LockManager, lockTimeoutMessage, vmLockFile } from './locks';

describe('LockManager', () => {
  it('times out while another holder keeps an exclusive lock, and succeeds once it is released', async () => {
    const locks = new LockManager();
    const first = await locks.acquire('vm:100', 10);
    expect(first).not.toBeNull();
    expect(await locks.acquire('vm:100', 20)).toBeNull();
    const waiting = locks.acquire('vm:100', 1000);
    first!();
    const second = await waiting;
    expect(second).not.toBeNull();
    second!();
    expect(locks.isLocked('vm:100')).toBe(false);
  });

  it('lets shared holders in together but keeps an exclusive waiter out until all leave', async () => {
    const locks = new LockManager();
    const a = await locks.acquire('vm:9000', 10, 'shared');
    const b = await locks.acquire('vm:9000', 10, 'shared');
    expect(a && b).toBeTruthy();
    let granted = false;
    const exclusive = locks.acquire('vm:9000', 1000).then((r) => {
      granted = true;
      return r;
    });
    a!();
    await new Promise((r) => setTimeout(r, 10));
    expect(granted).toBe(false);
    b!();
    expect(await exclusive).not.toBeNull();
  });

  it('names the lock file the way PVE does', () => {
    expect(lockTimeoutMessage(vmLockFile(101))).toBe(
      "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout",
    );
  });
});
