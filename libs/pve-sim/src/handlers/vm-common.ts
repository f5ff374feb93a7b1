import type { RequestContext } from '../core';
import { dieError } from '../errors';
import { lockTimeoutMessage, type Release, vmLockFile } from '../locks';
import { parsePropertyString } from '../propstring';
import type { SimState, VmState } from '../state/schema';

export const DISK_KEY = /^(ide|sata|scsi|virtio)\d+$|^efidisk0$|^tpmstate0$|^unused\d+$/;
const MiB = 1024 ** 2;

/** PVE::QemuConfig->load_config: the config must exist on this node. */
export function loadVm(state: SimState, node: string, vmid: number): VmState {
  const vm = state.vms[String(vmid)];
  if (!vm || vm.node !== node)
    throw dieError(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
  return vm;
}

/** check_running and friends: the wording used by power/template endpoints. */
export function findVmForPower(state: SimState, node: string, vmid: number): VmState {
  const vm = state.vms[String(vmid)];
  if (!vm || vm.node !== node)
    throw dieError(`unable to find configuration file for VM ${vmid} on node '${node}'`);
  return vm;
}

export function assertUnlocked(vm: VmState, skiplock = false): void {
  const lock = vm.config.lock;
  if (lock && !skiplock) throw dieError(`VM is locked (${lock})`);
}

/** Takes the flock on lock-<vmid>.conf (or fails with PVE's time-out text); honours lock-timeout faults. */
export async function lockVm(
  ctx: RequestContext,
  vmid: number,
  defaultTimeoutMs: number,
  mode: 'exclusive' | 'shared' = 'exclusive',
): Promise<Release> {
  const timeout = ctx.core.timing.lockTimeoutMs ?? defaultTimeoutMs;
  if (ctx.core.faults.lockTimeout(ctx.method, ctx.path, 'vm'))
    throw dieError(lockTimeoutMessage(vmLockFile(vmid)));
  const release = await ctx.core.locks.acquire(`vm:${vmid}`, timeout, mode);
  if (!release) throw dieError(lockTimeoutMessage(vmLockFile(vmid)));
  return release;
}

export function memoryMiB(config: Record<string, string>): number {
  const raw = config.memory;
  if (!raw) return 512;
  const current = /^(?:current=)?(\d+)/.exec(raw);
  return current ? Number(current[1]) : 512;
}

export function cpuCount(config: Record<string, string>): number {
  return Number(config.cores ?? 1) * Number(config.sockets ?? 1);
}

/** Size of the boot disk (the first disk in `boot: order=`), in bytes. */
export function bootDiskBytes(config: Record<string, string>): number {
  const order = /order=([^,]+)/.exec(config.boot ?? '')?.[1]?.split(';') ?? [];
  const keys = [...order, ...Object.keys(config).filter((k) => /^(scsi|virtio|sata|ide)\d+$/.test(k))];
  for (const key of keys) {
    const value = config[key];
    if (!value || /media=cdrom/.test(value)) continue;
    const size = /(?:^|,)size=(\d+)([KMGT]?)/.exec(value);
    if (size)
      return Number(size[1]) * ({ '': 1, K: 1024, M: MiB, G: 1024 ** 3, T: 1024 ** 4 }[size[2]!] ?? 1);
  }
  return 0;
}

export function maxMemBytes(config: Record<string, string>): number {
  return memoryMiB(config) * MiB;
}

const DRIVE_RANK = ['ide', 'sata', 'scsi', 'virtio', 'efidisk', 'tpmstate', 'unused'];

/** qemu-server's drive iteration order (ide, sata, scsi, virtio, efidisk, tpmstate, unused; then index). */
export function compareDriveKeys(a: string, b: string): number {
  const rank = (k: string) => DRIVE_RANK.indexOf(k.replace(/\d+$/, ''));
  return rank(a) - rank(b) || Number(a.replace(/^\D+/, '')) - Number(b.replace(/^\D+/, ''));
}

/** Volume ids referenced by a VM's disks (not cdrom `none`, not ISO media), in drive order. */
export function vmVolumes(config: Record<string, string>): Array<{ key: string; volid: string }> {
  const result: Array<{ key: string; volid: string }> = [];
  for (const [key, value] of Object.entries(config)) {
    if (!DISK_KEY.test(key)) continue;
    const file = parsePropertyString(value, 'file').file;
    if (!file || file === 'none' || file.startsWith('/')) continue;
    if (/:iso\//.test(file)) continue;
    result.push({ key, volid: file });
  }
  return result.sort((x, y) => compareDriveKeys(x.key, y.key));
}
