import { createHash, randomBytes } from 'node:crypto';
import type { RequestContext } from '../core';
import type { Params } from '../http/params';
import type { TaskContext } from '../tasks/runner';
import { type DiskPlan, DRIVE_KEY, executeDisk, planDisk } from './qemu-disks';
import { normalizeNet } from './qemu-net';
import { checkConfigPermissions } from './qemu-perms';
import { compareDriveKeys } from './vm-common';

/** Request parameters of create/update that are not VM config keys. */
const CONTROL_PARAMS = new Set([
  'node',
  'vmid',
  'digest',
  'delete',
  'revert',
  'skiplock',
  'force',
  'background_delay',
  'start',
  'storage',
  'pool',
  'unique',
  'archive',
  'bwlimit',
  'live-restore',
  'import-working-storage',
]);

export interface ConfigPlan {
  /** Plain keys to set (already normalised: MACs filled in, cipassword hashed). */
  set: Record<string, string>;
  disks: DiskPlan[];
  description?: string;
}

/** Values as the .conf file stores them: JSON booleans become 1/0. */
export function configText(value: unknown): string {
  if (value === true) return '1';
  if (value === false) return '0';
  return Array.isArray(value) ? String(value[0]) : String(value);
}

/** PVE stores only a crypt(3) hash of the cloud-init password (the simulator: a salted SHA-256 in that shape). */
function hashCloudinitPassword(password: string): string {
  const salt = randomBytes(12)
    .toString('base64')
    .replace(/[^a-zA-Z0-9]/g, '');
  return `$5$${salt}$${createHash('sha256').update(`${salt}${password}`).digest('base64').replace(/=+$/, '')}`;
}

/** Validates and normalises every config change of a create/update request (synchronous errors only). */
export function planConfig(
  ctx: RequestContext,
  vmid: number,
  node: string,
  params: Params,
  existing: Record<string, string>,
): ConfigPlan {
  const changes: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (CONTROL_PARAMS.has(key) || value === undefined || value === null) continue;
    changes[key] = configText(value);
  }
  checkConfigPermissions(ctx, vmid, changes);
  const plan: ConfigPlan = { set: {}, disks: [] };
  for (const [key, value] of Object.entries(changes)) {
    if (key === 'description') plan.description = value;
    else if (DRIVE_KEY.test(key)) plan.disks.push(planDisk(ctx, key, value, { ...existing, ...changes }));
    else if (/^net\d+$/.test(key)) plan.set[key] = normalizeNet(ctx, node, value, ctx.core.rng);
    else if (key === 'cipassword') plan.set[key] = hashCloudinitPassword(value);
    else plan.set[key] = value;
  }
  return plan;
}

/** Allocates the planned disks (inside the task); returns the config values to merge. */
export async function executeDisks(
  ctx: RequestContext,
  vmid: number,
  plan: ConfigPlan,
  task: TaskContext,
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  const ordered = [...plan.disks].sort((a, b) => compareDriveKeys(a.key, b.key));
  for (const disk of ordered) values[disk.key] = await executeDisk(ctx.state, vmid, disk, task);
  return values;
}

/** get_default_bootdevices: first disk, then first CD-ROM, then net0. */
export function defaultBootOrder(config: Record<string, string>): string | undefined {
  const drives = Object.keys(config)
    .filter((k) => /^(ide|sata|scsi|virtio)\d+$/.test(k))
    .sort((a, b) => {
      const rank = (k: string) => ['scsi', 'virtio', 'sata', 'ide'].indexOf(k.replace(/\d+$/, ''));
      return rank(a) - rank(b) || Number(a.replace(/^\D+/, '')) - Number(b.replace(/^\D+/, ''));
    });
  const disk = drives.find((k) => !/media=cdrom/.test(config[k]!));
  const cdrom = drives.find((k) => /media=cdrom/.test(config[k]!) && !/cloudinit/.test(config[k]!));
  const order = [disk, cdrom, config.net0 ? 'net0' : undefined].filter((k): k is string => k !== undefined);
  return order.length > 0 ? `order=${order.join(';')}` : undefined;
}
