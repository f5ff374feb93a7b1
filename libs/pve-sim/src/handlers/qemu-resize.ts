import { ok, type RequestContext, type Route } from '../core';
import { dieError } from '../errors';
import { bool, int, str } from '../http/params';
import { formatSortedPropertyString, parsePropertyString } from '../propstring';
import { vmDigest } from '../state/config-file';
import { formatSize, getStorage, isFileStorage, parseVolid } from '../storage/volumes';
import { checkStorageSpace, isRoot } from './qemu-perms';
import { assertUnlocked, loadVm, lockVm } from './vm-common';

const RESIZE_LOCK_TIMEOUT_MS = 10_000;
const UNIT: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * The new size in bytes, as qemu-server's resize_vm computes it: `+N[KMGT]` adds to the current size, `N[KMGT]`
 * is absolute, fractions are allowed and truncated to whole bytes. The official schema already checked the
 * pattern; anything else is qemu-server's "internal error".
 */
export function resizeTarget(sizeText: string, currentBytes: number): number {
  const m = /^(\+)?(\d+(?:\.\d+)?)([KMGT])?$/.exec(sizeText);
  if (!m) throw new Error('internal error');
  const bytes = Number(m[2]) * UNIT[m[3] ?? '']!;
  return Math.trunc(m[1] ? bytes + currentBytes : bytes);
}

/**
 * `PUT /nodes/{node}/qemu/{vmid}/resize` (resize_vm): a `resize` task that takes the VM's config lock and grows
 * one disk. Every check runs inside the task, as in qemu-server, so errors are the task's exit status:
 * digest, lock, the disk must exist and not be a CD-ROM, `Datastore.AllocateSpace` on its storage, and
 * "shrinking disks is not supported". The same size is a successful no-op.
 */
async function resizeDisk(ctx: RequestContext) {
  const node = str(ctx.params, 'node')!;
  const vmid = int(ctx.params, 'vmid')!;
  const disk = str(ctx.params, 'disk')!;
  const sizeText = str(ctx.params, 'size')!;
  const digest = str(ctx.params, 'digest');
  const skiplock = bool(ctx.params, 'skiplock') ?? false;
  if (skiplock && !isRoot(ctx)) throw dieError('Only root may use this option.');
  loadVm(ctx.state, node, vmid);
  let release: (() => void) | undefined;
  const upid = ctx.core.tasks.start({
    node,
    type: 'resize',
    id: String(vmid),
    user: ctx.caller.authId,
    origin: { method: ctx.method, path: ctx.path },
    async work(task) {
      release = await lockVm(ctx, vmid, RESIZE_LOCK_TIMEOUT_MS);
      const vm = loadVm(ctx.state, node, vmid);
      if (digest !== undefined && digest !== vmDigest(vm))
        throw new Error('checksum mismatch (file change by other user?)');
      if (!skiplock) assertUnlocked(vm);
      const value = vm.config[disk];
      if (value === undefined) throw new Error(`disk '${disk}' does not exist`);
      const { file: volid, ...options } = parsePropertyString(value, 'file');
      if (!volid) throw new Error(`disk '${disk}' has no associated volume`);
      if (options.media === 'cdrom') throw new Error("you can't resize a cdrom");
      const { storage } = parseVolid(volid);
      checkStorageSpace(ctx, storage);
      const volume = ctx.state.volumes[volid];
      if (!volume) throw new Error(`Could not determine current size of volume '${volid}'`);
      const newBytes = resizeTarget(sizeText, volume.size);
      if (newBytes < volume.size) throw new Error('shrinking disks is not supported');
      if (newBytes === volume.size) return;
      const name = volid.slice(volid.indexOf(':') + 1);
      if (isFileStorage(getStorage(ctx.state, storage))) task.log('Image resized.');
      else {
        task.log(
          `  Size of logical volume ${storage}/${name} changed from ${formatSize(volume.size)} to ${formatSize(newBytes)}.`,
        );
        task.log(`  Logical volume ${storage}/${name} successfully resized.`);
      }
      volume.size = newBytes;
      vm.config[disk] = `${volid},${formatSortedPropertyString({ ...options, size: formatSize(newBytes) })}`;
    },
    cleanup: () => release?.(),
  });
  return ok(upid);
}

export const resizeRoutes: Route[] = [
  { method: 'PUT', template: '/nodes/{node}/qemu/{vmid}/resize', handler: resizeDisk },
];
