/**
 * flock-style locks as PVE takes them on /var/lock/qemu-server/lock-<vmid>.conf and storage lock files:
 * exclusive or shared, waited for up to a time-out, after which the caller fails with PVE's
 * "can't lock file '<file>' - got timeout". Waiters are served in arrival order.
 */
export type Release = () => void;
type Mode = 'exclusive' | 'shared';

interface Waiter {
  mode: Mode;
  grant: (release: Release) => void;
}

interface Entry {
  exclusive: boolean;
  shared: number;
  waiters: Waiter[];
}

export class LockManager {
  private readonly entries = new Map<string, Entry>();

  /** Resolves with a release function, or null when the lock was not free within `timeoutMs`. */
  acquire(key: string, timeoutMs: number, mode: Mode = 'exclusive'): Promise<Release | null> {
    const entry = this.entry(key);
    if (entry.waiters.length === 0 && this.free(entry, mode))
      return Promise.resolve(this.take(key, entry, mode));
    return new Promise((resolve) => {
      const waiter: Waiter = {
        mode,
        grant: (release) => {
          clearTimeout(timer);
          resolve(release);
        },
      };
      const timer = setTimeout(() => {
        entry.waiters.splice(entry.waiters.indexOf(waiter), 1);
        resolve(null);
      }, timeoutMs);
      entry.waiters.push(waiter);
    });
  }

  isLocked(key: string): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && (entry.exclusive || entry.shared > 0);
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { exclusive: false, shared: 0, waiters: [] };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private free(entry: Entry, mode: Mode): boolean {
    return mode === 'shared' ? !entry.exclusive : !entry.exclusive && entry.shared === 0;
  }

  private take(key: string, entry: Entry, mode: Mode): Release {
    if (mode === 'exclusive') entry.exclusive = true;
    else entry.shared++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (mode === 'exclusive') entry.exclusive = false;
      else entry.shared--;
      this.wake(key, entry);
    };
  }

  private wake(key: string, entry: Entry): void {
    while (entry.waiters.length > 0 && this.free(entry, entry.waiters[0]!.mode)) {
      const waiter = entry.waiters.shift()!;
      waiter.grant(this.take(key, entry, waiter.mode));
    }
    if (!entry.exclusive && entry.shared === 0 && entry.waiters.length === 0) this.entries.delete(key);
  }
}

/** The lock file PVE names in its time-out message. */
export function vmLockFile(vmid: number | string): string {
  return `/var/lock/qemu-server/lock-${vmid}.conf`;
}

export function storageLockFile(storage: string): string {
  return `/var/lock/pve-manager/pve-storage-${storage}`;
}

export function lockTimeoutMessage(file: string): string {
  return `can't lock file '${file}' - got timeout`;
}
