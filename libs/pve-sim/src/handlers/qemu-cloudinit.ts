import { ok, type RequestContext, type Route } from '../core';
import { dieError } from '../errors';
import { int, str } from '../http/params';
import { typedConfig } from '../state/config-file';
import type { VmState } from '../state/schema';
import { cloudinitKey } from './qemu-disks';
import { loadVm } from './vm-common';

/** The config keys qemu-server renders into the NoCloud/ConfigDrive image. */
const CLOUDINIT_KEY =
  /^(ciuser|cipassword|citype|ciupgrade|cicustom|nameserver|searchdomain|sshkeys|ipconfig\d+)$/;

function cloudinitSettings(vm: VmState): Record<string, string> {
  return Object.fromEntries(Object.entries(vm.config).filter(([key]) => CLOUDINIT_KEY.test(key)));
}

/** qemu-server regenerates the drive on every start; `PUT …/cloudinit` does it for a running guest. */
export function regenerateCloudinit(vm: VmState): void {
  if (cloudinitKey(vm.config) === undefined) return;
  vm.cloudinitApplied = cloudinitSettings(vm);
}

/** `GET …/cloudinit`: each key with the value the image was made from and, when it differs, the pending one. */
function cloudinitPending(vm: VmState) {
  const applied = vm.cloudinitApplied ?? {};
  const current = cloudinitSettings(vm);
  const keys = [...new Set([...Object.keys(applied), ...Object.keys(current)])].sort();
  return keys.map((key) => {
    const shown = (value: string | undefined) => (key === 'cipassword' && value ? '**********' : value);
    const before = applied[key];
    const after = current[key];
    if (after === undefined) return { key, value: shown(before), delete: 1 };
    if (before === after) return { key, value: shown(before) };
    return { key, ...(before !== undefined ? { value: shown(before) } : {}), pending: shown(after) };
  });
}

function vmOf(ctx: RequestContext): VmState {
  return loadVm(ctx.state, str(ctx.params, 'node')!, int(ctx.params, 'vmid')!);
}

export const cloudinitRoutes: Route[] = [
  {
    method: 'GET',
    template: '/nodes/{node}/qemu/{vmid}/cloudinit',
    handler: (ctx) => ok(cloudinitPending(vmOf(ctx))),
  },
  {
    method: 'PUT',
    template: '/nodes/{node}/qemu/{vmid}/cloudinit',
    async handler(ctx) {
      const vm = vmOf(ctx);
      if (cloudinitKey(vm.config) === undefined) throw dieError('no cloudinit disk found');
      regenerateCloudinit(vm);
      await ctx.core.store.save();
      return ok(null);
    },
  },
  {
    // Config changes apply at once in the simulator, so nothing is ever pending: every key is its value.
    method: 'GET',
    template: '/nodes/{node}/qemu/{vmid}/pending',
    handler(ctx) {
      const vm = vmOf(ctx);
      const config = typedConfig(vm.config);
      return ok(
        Object.keys(config)
          .sort()
          .map((key) => ({ key, value: key === 'cipassword' ? '**********' : config[key] })),
      );
    },
  },
];
