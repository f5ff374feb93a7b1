import { ok, type RequestContext, type Route } from '../core';
import { dieError } from '../errors';
import { bool, int, str } from '../http/params';
import { typedConfig, vmDigest } from '../state/config-file';
import type { VmState } from '../state/schema';
import type { TaskContext } from '../tasks/runner';
import { removeVmFromPools } from './pools';
import { DRIVE_KEY, freeVolumes } from './qemu-disks';
import { checkConfigPermissions, isRoot } from './qemu-perms';
import { executeDisks, planConfig } from './qemu-plan';
import { assertUnlocked, loadVm, lockVm, vmVolumes } from './vm-common';

const CONFIG_LOCK_TIMEOUT_MS = 10_000;
const MODIFIED = 'detected modified configuration - file changed by other user? Try again.';

/** GET …/config: keys typed as the schema says, the cloud-init password masked, plus `digest`. */
export function configView(vm: VmState): Record<string, unknown> {
  const config: Record<string, unknown> = typedConfig(vm.config);
  if (config.cipassword !== undefined) config.cipassword = '**********';
  if (vm.description !== undefined) config.description = vm.description;
  config.digest = vmDigest(vm);
  return config;
}

function nextUnused(config: Record<string, string>): string {
  for (let i = 0; ; i++) if (config[`unused${i}`] === undefined) return `unused${i}`;
}

/** A disk that is removed or replaced is not destroyed: it becomes `unusedN` (deleting `unusedN` frees it). */
function detachDisk(vm: VmState, key: string): void {
  const value = vm.config[key];
  if (value === undefined) return;
  delete vm.config[key];
  const volid = value.split(',')[0]!;
  if (key.startsWith('unused')) return;
  if (!DRIVE_KEY.test(key) || /cloudinit/.test(volid) || !volid.includes(':') || /media=cdrom/.test(value))
    return;
  vm.config[nextUnused(vm.config)] = volid;
}

async function updateConfig(ctx: RequestContext, asTask: boolean) {
  const node = str(ctx.params, 'node')!;
  const vmid = int(ctx.params, 'vmid')!;
  const vm = loadVm(ctx.state, node, vmid);
  const release = await lockVm(ctx, vmid, CONFIG_LOCK_TIMEOUT_MS);
  let apply: (task: TaskContext) => Promise<void>;
  try {
    const skiplock = bool(ctx.params, 'skiplock') ?? false;
    if (skiplock && !isRoot(ctx)) throw dieError('Only root may use this option.');
    const digest = str(ctx.params, 'digest');
    if (digest !== undefined && digest !== vmDigest(vm)) throw dieError(MODIFIED);
    assertUnlocked(vm, skiplock);
    const deletes = (str(ctx.params, 'delete') ?? '').split(/[,;\s]+/).filter(Boolean);
    checkConfigPermissions(ctx, vmid, Object.fromEntries(deletes.map((k) => [k, undefined])));
    const plan = planConfig(ctx, vmid, node, ctx.params, vm.config);
    apply = async (task) => {
      for (const key of deletes) {
        if (key === 'description') delete vm.description;
        else if (key.startsWith('unused')) {
          const volid = vm.config[key]?.split(',')[0];
          if (volid) freeVolumes(ctx.state, [volid]);
          delete vm.config[key];
        } else detachDisk(vm, key);
      }
      const disks = await executeDisks(ctx, vmid, plan, task);
      for (const key of Object.keys(disks)) if (vm.config[key] !== disks[key]) detachDisk(vm, key);
      Object.assign(vm.config, plan.set, disks);
      if (plan.description !== undefined) vm.description = plan.description;
    };
  } catch (error) {
    release();
    throw error;
  }
  if (!asTask) {
    try {
      await apply({ log: () => undefined, warn: () => undefined, signal: new AbortController().signal });
    } finally {
      release();
    }
    await ctx.core.store.save();
    return ok(null);
  }
  const upid = ctx.core.tasks.start({
    node,
    type: 'qmconfig',
    id: String(vmid),
    user: ctx.caller.authId,
    origin: { method: ctx.method, path: ctx.path },
    work: apply,
    cleanup: release,
  });
  const delay = int(ctx.params, 'background_delay');
  if (delay !== undefined) {
    const deadline = Date.now() + delay * 1000;
    while (Date.now() < deadline && ctx.core.tasks.get(upid)?.status === 'running')
      await new Promise((r) => setTimeout(r, 50));
    if (ctx.core.tasks.get(upid)?.status === 'stopped') return ok(null);
  }
  return ok(upid);
}

async function destroyVm(ctx: RequestContext) {
  const node = str(ctx.params, 'node')!;
  const vmid = int(ctx.params, 'vmid')!;
  const vm = loadVm(ctx.state, node, vmid);
  const release = await lockVm(ctx, vmid, CONFIG_LOCK_TIMEOUT_MS);
  try {
    assertUnlocked(vm, (bool(ctx.params, 'skiplock') ?? false) && isRoot(ctx));
    if (vm.config.protection === '1') throw dieError(`can't remove VM ${vmid} - protection mode enabled`);
    if (vm.running) throw dieError(`VM ${vmid} is running - destroy failed`);
    const volumes = Object.keys(ctx.state.volumes).filter((v) => ctx.state.volumes[v]!.vmid === vmid);
    for (const volid of volumes) {
      const child = Object.keys(ctx.state.volumes).find((v) => v.startsWith(`${volid}/`));
      if (child) throw dieError(`base volume '${volid}' is still in use by linked cloned`);
    }
  } catch (error) {
    release();
    throw error;
  }
  const upid = ctx.core.tasks.start({
    node,
    type: 'qmdestroy',
    id: String(vmid),
    user: ctx.caller.authId,
    origin: { method: ctx.method, path: ctx.path },
    async work(task) {
      // The config's own disks always go; other volumes carrying this VMID only with destroy-unreferenced-disks.
      const referenced = new Set(vmVolumes(vm.config).map((v) => v.volid));
      const unreferenced = bool(ctx.params, 'destroy-unreferenced-disks') ?? false;
      const volumes = Object.keys(ctx.state.volumes).filter(
        (v) => ctx.state.volumes[v]!.vmid === vmid && (unreferenced || referenced.has(v)),
      );
      for (const volid of volumes)
        task.log(`  Logical volume "${volid.split(':')[1]}" successfully removed.`);
      freeVolumes(ctx.state, volumes);
      delete ctx.state.vms[String(vmid)];
      // remove_vm_access: the VMID leaves its pool and ACLs whether or not `purge` is set.
      removeVmFromPools(ctx.state, vmid);
      ctx.state.acl = ctx.state.acl.filter((entry) => entry.path !== `/vms/${vmid}`);
      if (bool(ctx.params, 'purge')) task.log(`purging VM ${vmid} from related configurations..`);
    },
    cleanup: release,
  });
  return ok(upid);
}

export const configRoutes: Route[] = [
  {
    method: 'GET',
    template: '/nodes/{node}/qemu/{vmid}/config',
    handler: (ctx) => ok(configView(loadVm(ctx.state, str(ctx.params, 'node')!, int(ctx.params, 'vmid')!))),
  },
  { method: 'PUT', template: '/nodes/{node}/qemu/{vmid}/config', handler: (ctx) => updateConfig(ctx, false) },
  { method: 'POST', template: '/nodes/{node}/qemu/{vmid}/config', handler: (ctx) => updateConfig(ctx, true) },
  { method: 'DELETE', template: '/nodes/{node}/qemu/{vmid}', handler: destroyVm },
  {
    method: 'GET',
    template: '/nodes/{node}/qemu/{vmid}',
    permissions: { user: 'all' },
    handler(ctx) {
      loadVm(ctx.state, str(ctx.params, 'node')!, int(ctx.params, 'vmid')!);
      return ok(['config', 'pending', 'status', 'agent', 'template', 'clone'].map((subdir) => ({ subdir })));
    },
  },
];
