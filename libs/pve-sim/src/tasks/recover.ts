import type { SimState } from '../state/schema';

/** The config locks the simulator's own workers set (create, clone target, template conversion). */
const WORKER_LOCKS = new Set(['create', 'clone', 'template']);

/**
 * What a Proxmox node does for tasks whose worker died (here: the simulator process was killed mid-task):
 * on start, a task still marked running is stopped with `unexpected status`, and the config lock its worker
 * held is released, while the VM keeps the state it had reached (no rollback: the worker is gone). Returns the
 * VMIDs whose lock was released.
 */
export function recoverInterruptedTasks(state: SimState, now = Date.now()): number[] {
  const interrupted = state.tasks.filter((task) => task.status === 'running');
  for (const task of interrupted) {
    task.status = 'stopped';
    task.exitstatus = 'unexpected status';
    task.endtime = Math.floor(now / 1000);
  }
  if (interrupted.length === 0) return [];
  // No worker survives a restart, so every worker-held lock is stale (a clone's target is not in its task id).
  const released: number[] = [];
  for (const [vmid, vm] of Object.entries(state.vms)) {
    const lock = vm.config.lock;
    if (lock !== undefined && WORKER_LOCKS.has(lock)) {
      delete vm.config.lock;
      released.push(Number(vmid));
    }
  }
  return released;
}
