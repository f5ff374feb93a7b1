import { randomUUID } from 'node:crypto';
import { ok, type RequestContext, type Route } from '../core';
import { dieError, PveApiError } from '../errors';
import { bool, int, str } from '../http/params';
import { vmLockFile } from '../locks';
import type { VmState } from '../state/schema';
import { addVmToPool, removeVmFromPools } from './pools';
import { freeVolumes } from './qemu-disks';
import { defaultBootOrder, executeDisks, planConfig } from './qemu-plan';
import { convertToTemplate } from './qemu-template';
import { lockVm } from './vm-common';

const CREATE_LOCK_TIMEOUT_MS = 5000;

/**
 * `POST /nodes/{node}/qemu` (create_vm): synchronous checks (exists, permissions per option and storage,
 * drive syntax), the flock on lock-<vmid>.conf (5 s), a config with `lock: create`, then a `qmcreate` task
 * that allocates/imports disks and writes the final config — or removes everything if it fails.
 */
async function createVm(ctx: RequestContext) {
  const node = str(ctx.params, 'node')!;
  const vmid = int(ctx.params, 'vmid')!;
  const state = ctx.state;
  const exists = () => {
    const owner = state.vms[String(vmid)];
    if (owner)
      throw dieError(`unable to create VM ${vmid} - VM ${vmid} already exists on node '${owner.node}'`);
  };
  exists();
  if (str(ctx.params, 'archive') !== undefined)
    throw dieError('pve-sim: restoring from a backup archive is not supported');
  const pool = str(ctx.params, 'pool');
  ctx.core.perms.check(ctx.caller.authId, pool ? `/pool/${pool}` : `/vms/${vmid}`, ['VM.Allocate']);
  if (pool !== undefined && !state.pools[pool]) throw dieError(`pool '${pool}' does not exist`);
  const plan = planConfig(ctx, vmid, node, ctx.params, {});
  const asTemplate = plan.set.template === '1';
  delete plan.set.template;

  let release: () => void;
  try {
    release = await lockVm(ctx, vmid, CREATE_LOCK_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof PveApiError && error.message.includes(vmLockFile(vmid)))
      throw dieError(`unable to create VM ${vmid} - ${error.message}`);
    throw error;
  }
  try {
    exists();
  } catch (error) {
    release();
    throw error;
  }
  const vm: VmState = {
    node,
    config: { lock: 'create' },
    snapshots: [],
    running: false,
    createdAt: Date.now(),
  };
  state.vms[String(vmid)] = vm;
  await ctx.core.store.save();

  const upid = ctx.core.tasks.start({
    node,
    type: 'qmcreate',
    id: String(vmid),
    user: ctx.caller.authId,
    origin: { method: ctx.method, path: ctx.path },
    async work(task) {
      const disks = await executeDisks(ctx, vmid, plan, task);
      const config: Record<string, string> = {
        ...plan.set,
        ...disks,
        smbios1: plan.set.smbios1 ?? `uuid=${randomUUID()}`,
        vmgenid: plan.set.vmgenid ?? randomUUID(),
        meta: `creation-qemu=10.0.2,ctime=${Math.floor(Date.now() / 1000)}`,
      };
      const boot = config.boot ?? defaultBootOrder(config);
      if (boot) config.boot = boot;
      // Still locked until the task ends; written now, as qemu-server writes the config once the disks exist.
      vm.config = { ...config, lock: 'create' };
      if (plan.description !== undefined) vm.description = plan.description;
      if (pool !== undefined) addVmToPool(state, pool, vmid);
      await ctx.core.store.save();
      delete vm.config.lock;
      if (asTemplate) convertToTemplate(state, vmid, task);
      if (bool(ctx.params, 'start') && !asTemplate) {
        vm.running = true;
        vm.startedAt = Date.now();
      }
    },
    rollback() {
      freeVolumes(
        state,
        Object.keys(state.volumes).filter((volid) => state.volumes[volid]!.vmid === vmid),
      );
      if (state.vms[String(vmid)] === vm) {
        delete state.vms[String(vmid)];
        removeVmFromPools(state, vmid);
      }
    },
    cleanup: release,
  });
  return ok(upid);
}

export const createRoutes: Route[] = [{ method: 'POST', template: '/nodes/{node}/qemu', handler: createVm }];
