import { ok, type RequestContext, type Route } from '../core';
import { dieError } from '../errors';
import { bool, int, str } from '../http/params';
import { formatSortedPropertyString, parsePropertyString } from '../propstring';
import { vmDigest } from '../state/config-file';
import { allocateImageVolume, formatSize, getStorage, parseVolid } from '../storage/volumes';
import { freeVolumes } from './qemu-disks';
import { checkStorageSpace } from './qemu-perms';
import { loadVm, lockVm } from './vm-common';

const MOVE_LOCK_TIMEOUT_MS = 10_000;
const DRIVE = /^(ide|sata|scsi|virtio)\d+$|^efidisk0$|^tpmstate0$/;

function nextUnused(config: Record<string, string>): string {
  for (let i = 0; ; i++) if (config[`unused${i}`] === undefined) return `unused${i}`;
}

/**
 * `POST …/move_disk` (task `qmmove`): copies one drive's volume to another storage (a linked clone's disk
 * becomes a full copy), points the drive at the copy, and keeps the source as `unusedN` unless `delete=1`.
 * What the bpg provider does when a clone's `disk.datastore_id` differs from the template's storage.
 */
async function moveDisk(ctx: RequestContext) {
  const node = str(ctx.params, 'node')!;
  const vmid = int(ctx.params, 'vmid')!;
  const disk = str(ctx.params, 'disk')!;
  const target = str(ctx.params, 'storage');
  const vm = loadVm(ctx.state, node, vmid);
  if (target === undefined) throw dieError('either set storage or target-vmid, but not both');
  if (str(ctx.params, 'target-vmid') !== undefined)
    throw dieError('pve-sim: moving a disk to another VM is not supported');
  const release = await lockVm(ctx, vmid, MOVE_LOCK_TIMEOUT_MS);
  let volid: string;
  try {
    const digest = str(ctx.params, 'digest');
    if (digest !== undefined && digest !== vmDigest(vm))
      throw dieError('detected modified configuration - file changed by other user? Try again.');
    if (vm.config.lock) throw dieError(`VM is locked (${vm.config.lock})`);
    const value = vm.config[disk];
    if (!DRIVE.test(disk) || value === undefined) throw dieError(`disk '${disk}' does not exist`);
    if (/media=cdrom/.test(value)) throw dieError("you can't move a cdrom");
    volid = parsePropertyString(value, 'file').file ?? '';
    if (parseVolid(volid).storage === target)
      throw dieError("you can't move to the same storage with same format");
    const storage = getStorage(ctx.state, target, node);
    if (!storage.content.includes('images')) throw dieError(`storage '${target}' does not support vm images`);
    checkStorageSpace(ctx, target);
  } catch (error) {
    release();
    throw error;
  }
  const remove = bool(ctx.params, 'delete') ?? false;
  const upid = ctx.core.tasks.start({
    node,
    type: 'qmmove',
    id: String(vmid),
    user: ctx.caller.authId,
    origin: { method: ctx.method, path: ctx.path },
    async work(task) {
      const source = ctx.state.volumes[volid];
      if (!source) throw new Error(`volume '${volid}' does not exist`);
      const copy = allocateImageVolume(ctx.state, target, vmid, 'disk', source.size);
      task.log(`moving disk '${disk}' from '${volid}' to '${copy}'`);
      task.log(`transferred ${formatSize(source.size)} of ${formatSize(source.size)} (100.00%)`);
      const { file: _file, ...options } = parsePropertyString(vm.config[disk]!, 'file');
      vm.config[disk] =
        `${copy},${formatSortedPropertyString({ ...options, size: formatSize(source.size) })}`;
      if (remove) {
        freeVolumes(ctx.state, [volid]);
        task.log(`removing source disk '${volid}'`);
      } else vm.config[nextUnused(vm.config)] = volid;
    },
    cleanup: release,
  });
  return ok(upid);
}

export const moveDiskRoutes: Route[] = [
  { method: 'POST', template: '/nodes/{node}/qemu/{vmid}/move_disk', handler: moveDisk },
];
