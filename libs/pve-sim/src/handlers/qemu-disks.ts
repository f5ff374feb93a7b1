import { stat } from 'node:fs/promises';
import { PROPERTY_STRING_FORMATS, splitPropertyString } from '@infra/pve-api';
import type { RequestContext } from '../core';
import { dieError, paramError } from '../errors';
import { formatSortedPropertyString, parsePropertyString } from '../propstring';
import type { SimState } from '../state/schema';
import {
  allocateImageVolume,
  formatSize,
  getStorage,
  isFileStorage,
  parseVolid,
  qcow2VirtualSize,
  vtypeOf,
} from '../storage/volumes';
import type { TaskContext } from '../tasks/runner';
import { checkStorageSpace, isRoot } from './qemu-perms';

/**
 * Drive values on create/update, after qemu-server's check_storage_access and create_disks:
 *   `<storage>:<GiB>` a new disk; `<storage>:0,import-from=<volid|path>` an imported one;
 *   `<storage>:cloudinit` the cloud-init drive; anything else must name an existing volume (or `none`).
 * `planDisk` does the synchronous checks (400/403/500 before any task starts); `executeDisk` runs in the
 * task and allocates the volumes.
 */
export const DRIVE_KEY = /^(ide|sata|scsi|virtio)\d+$|^(efidisk0|tpmstate0)$/;
const NEW_DISK = /^(?:([^/:\s]+):)?(\d+(?:\.\d+)?)$/;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export type DiskPlan =
  | { kind: 'new'; key: string; storage: string; bytes: number; options: Record<string, string> }
  | { kind: 'import'; key: string; storage: string; source: string; options: Record<string, string> }
  | { kind: 'cloudinit'; key: string; storage: string; options: Record<string, string> }
  | { kind: 'keep'; key: string; value: string };

function parseDrive(key: string, value: string): Record<string, string> {
  const format = PROPERTY_STRING_FORMATS[key.replace(/\d+$/, '')];
  const parsed = splitPropertyString(value, format);
  if (parsed.ok) return parsed.values;
  return parsePropertyString(value, 'file');
}

function targetStorage(ctx: RequestContext, key: string, storage: string): void {
  checkStorageSpace(ctx, storage);
  const config = getStorage(ctx.state, storage);
  if (!config.content.includes('images'))
    throw paramError({ storage: `storage '${storage}' does not support vm images` });
  if (config.disable) throw dieError(`storage '${storage}' is disabled`);
  void key;
}

function checkImportSource(ctx: RequestContext, key: string, source: string): void {
  if (source.startsWith('/')) {
    if (!isRoot(ctx))
      throw dieError(
        'Only root can pass arbitrary filesystem paths. at /usr/share/perl5/PVE/Storage.pm line 567.',
      );
    return;
  }
  const { storage, volname } = parseVolid(source);
  getStorage(ctx.state, storage);
  const vtype = vtypeOf(volname);
  if (vtype !== 'images' && vtype !== 'import')
    throw paramError({ [key]: `${source} has wrong type '${vtype}' - needs to be 'images' or 'import'` });
  ctx.core.perms.check(
    ctx.caller.authId,
    `/storage/${storage}`,
    ['Datastore.Audit', 'Datastore.AllocateSpace', 'Datastore.Allocate'],
    true,
  );
}

/** The drive key that already holds a cloud-init volume, if any. */
export function cloudinitKey(config: Record<string, string>, except?: string): string | undefined {
  // Either an allocated `vm-<id>-cloudinit` volume or one requested in the same call (`<storage>:cloudinit`).
  return Object.keys(config).find(
    (k) =>
      k !== except &&
      DRIVE_KEY.test(k) &&
      /(?:^|[:/])vm-\d+-cloudinit|^[^,:]+:cloudinit(?:,|$)/.test(config[k]!),
  );
}

export function planDisk(
  ctx: RequestContext,
  key: string,
  value: string,
  existing: Record<string, string>,
): DiskPlan {
  const drive = parseDrive(key, value);
  const file = drive.file ?? '';
  const { file: _file, 'import-from': importFrom, ...options } = drive;
  if (importFrom !== undefined) {
    const target = NEW_DISK.exec(file);
    if (!target || Number(target[2]) !== 0 || !target[1]) {
      throw paramError({
        [key]: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>",
      });
    }
    targetStorage(ctx, key, target[1]);
    checkImportSource(ctx, key, importFrom);
    return { kind: 'import', key, storage: target[1], source: importFrom, options };
  }
  const cloudinit = /^([^/:\s]+):cloudinit$/.exec(file);
  if (cloudinit) {
    const attached = cloudinitKey(existing, key);
    if (attached) throw dieError(`${key} - cloud-init drive is already attached at '${attached}'`);
    targetStorage(ctx, key, cloudinit[1]!);
    return { kind: 'cloudinit', key, storage: cloudinit[1]!, options };
  }
  const fresh = NEW_DISK.exec(file);
  if (fresh && options.media !== 'cdrom') {
    if (!fresh[1]) throw dieError('no storage ID specified (and no default storage)');
    targetStorage(ctx, key, fresh[1]);
    return { kind: 'new', key, storage: fresh[1], bytes: Math.round(Number(fresh[2]) * GiB), options };
  }
  if (file !== 'none' && file !== 'cdrom' && !file.startsWith('/')) {
    const { storage, volname } = parseVolid(file);
    getStorage(ctx.state, storage);
    if (vtypeOf(volname) === 'iso' && options.media !== 'cdrom')
      throw paramError({ [key]: "explicit 'media=cdrom' is required for iso images" });
    if (!ctx.state.volumes[file]) throw dieError(`volume '${file}' does not exist`);
  }
  return { kind: 'keep', key, value };
}

function human(bytes: number): string {
  return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${(bytes / MiB).toFixed(1)} MiB`;
}

async function importSize(state: SimState, source: string): Promise<number> {
  if (source.startsWith('/')) {
    const info = await stat(source).catch(() => null);
    if (!info) throw new Error(`unable to import '${source}': no such file`);
    return (await qcow2VirtualSize(source)) ?? info.size;
  }
  const volume = state.volumes[source];
  if (!volume) throw new Error(`volume '${source}' does not exist`);
  if (volume.format === 'ova') throw new Error(`importing from an OVA archive is not supported by pve-sim`);
  return volume.size;
}

/** Allocates the plan's volume (in the task) and returns the value the config stores. */
export async function executeDisk(
  state: SimState,
  vmid: number,
  plan: DiskPlan,
  task: TaskContext,
): Promise<string> {
  if (plan.kind === 'keep') return plan.value;
  const file = isFileStorage(getStorage(state, plan.storage));
  if (plan.kind === 'cloudinit') {
    const volid = allocateImageVolume(state, plan.storage, vmid, 'cloudinit', 4 * MiB);
    const value = `${volid},${formatSortedPropertyString({ ...plan.options, media: 'cdrom' })}`;
    task.log(`${plan.key}: successfully created disk '${value}'`);
    return value;
  }
  let bytes: number;
  if (plan.kind === 'import') {
    bytes = await importSize(state, plan.source);
    task.log(`importing disk '${plan.source}' to VM ${vmid} ...`);
  } else if (plan.key === 'efidisk0') bytes = file ? 528 * 1024 : 4 * MiB;
  else if (plan.key === 'tpmstate0') bytes = 4 * MiB;
  else bytes = plan.bytes;
  const volid = allocateImageVolume(state, plan.storage, vmid, 'disk', bytes);
  if (!file) task.log(`  Logical volume "${volid.split(':')[1]}" created.`);
  if (plan.kind === 'import') {
    task.log(`transferred 0.0 B of ${human(bytes)} (0.00%)`);
    task.log(`transferred ${human(bytes)} of ${human(bytes)} (100.00%)`);
  }
  const value = `${volid},${formatSortedPropertyString({ ...plan.options, size: formatSize(bytes) })}`;
  task.log(`${plan.key}: successfully created disk '${value}'`);
  return value;
}

/** Removes a VM's volumes (destroy / failed create). */
export function freeVolumes(state: SimState, volids: readonly string[]): void {
  for (const volid of volids) delete state.volumes[volid];
}
