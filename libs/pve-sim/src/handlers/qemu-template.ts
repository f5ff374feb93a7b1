import { ok, type RequestContext, type Route } from '../core';
import { int, str } from '../http/params';
import type { SimState } from '../state/schema';
import type { TaskContext } from '../tasks/runner';
import { assertUnlocked, loadVm, lockVm, vmVolumes } from './vm-common';

const TEMPLATE_LOCK_TIMEOUT_MS = 10_000;

/**
 * template_create: every disk (not the cloud-init drive) becomes a read-only base volume
 * (`vm-9000-disk-0` → `base-9000-disk-0`), and the config gets `template: 1`.
 */
export function convertToTemplate(state: SimState, vmid: number, task: TaskContext): void {
  const vm = state.vms[String(vmid)]!;
  for (const { key, volid } of vmVolumes(vm.config)) {
    if (/cloudinit/.test(volid) || key.startsWith('unused')) continue;
    const volume = state.volumes[volid];
    if (!volume || !/(^|\/)vm-\d+-disk-\d+/.test(volume.volname)) continue;
    const volname = volume.volname.replace(/(^|\/)vm-(\d+-disk-\d+)/, '$1base-$2');
    const newVolid = `${volume.storage}:${volname}`;
    delete state.volumes[volid];
    state.volumes[newVolid] = { ...volume, volname };
    vm.config[key] = vm.config[key]!.replace(volid, newVolid);
    task.log(`  Renamed "${volid.split(':')[1]}" to "${volname}" in volume group "${volume.storage}"`);
  }
  vm.config.template = '1';
}

/**
 * `POST /nodes/{node}/qemu/{vmid}/template`: a `qmtemplate` task that takes the VM lock and refuses
 * templates, running VMs, VMs with snapshots and locked VMs — those errors end up in the task's exit status.
 */
export const templateRoutes: Route[] = [
  {
    method: 'POST',
    template: '/nodes/{node}/qemu/{vmid}/template',
    handler(ctx: RequestContext) {
      const node = str(ctx.params, 'node')!;
      const vmid = int(ctx.params, 'vmid')!;
      loadVm(ctx.state, node, vmid);
      let release: (() => void) | undefined;
      const upid = ctx.core.tasks.start({
        node,
        type: 'qmtemplate',
        id: String(vmid),
        user: ctx.caller.authId,
        origin: { method: ctx.method, path: ctx.path },
        async work(task) {
          release = await lockVm(ctx, vmid, TEMPLATE_LOCK_TIMEOUT_MS);
          const vm = loadVm(ctx.state, node, vmid);
          assertUnlocked(vm);
          if (vm.snapshots.length > 0)
            throw new Error('unable to create template, because VM contains snapshots');
          if (vm.config.template === '1') throw new Error("you can't convert a template to a template");
          if (vm.running) throw new Error("you can't convert a VM to template if VM is running");
          vm.config.lock = 'template';
          convertToTemplate(ctx.state, vmid, task);
        },
        cleanup() {
          const vm = ctx.state.vms[String(vmid)];
          if (vm?.config.lock === 'template') delete vm.config.lock;
          release?.();
        },
      });
      return ok(upid);
    },
  },
];
