import { PROPERTY_STRING_FORMATS, splitPropertyString } from '@infra/pve-api';
import type { RequestContext } from '../core';
import { dieError } from '../errors';

/**
 * qemu-server's check_vm_modify_config_perm and friends: which privilege on /vms/<vmid> each config key needs,
 * and the root-only rules that bite API tokens (a token's identity is `user@realm!name`, never `root@pam`):
 * raw `hostpciN: host=…`, real serial/usb devices and `args`.
 */
const CPU = /^(cores|cpu|cpulimit|cpuunits|vcpus|sockets|numa|numa\d+|affinity)$/;
const MEMORY = /^(memory|balloon|shares|hugepages|keephugepages)$/;
const HWTYPE =
  /^(acpi|hotplug|kvm|machine|scsihw|smbios1|tablet|vga|watchdog|audio0|rng0|ivshmem|virtiofs\d+|amd-sev|arch|tdf)$/;
const CLOUDINIT = /^(cicustom|cipassword|citype|ciuser|ciupgrade)$/;
const CLOUDINIT_OR_NET = /^(ipconfig\d+|nameserver|searchdomain|sshkeys)$/;
const DISK = /^(ide|sata|scsi|virtio)\d+$|^(efidisk0|tpmstate0|unused\d+)$/;
const DISK_OPTIONS = /^(boot|bootdisk|import-working-storage|vmstatestorage)$/;
const ROOT_ONLY = /^(args|hookscript|lock)$/;
/** Parameters of create/update that are not config keys. */
const NOT_CONFIG =
  /^(node|vmid|digest|delete|revert|skiplock|force|background_delay|start|storage|pool|unique|archive|bwlimit|live-restore)$/;

export function isRoot(ctx: RequestContext): boolean {
  return ctx.caller.authId === 'root@pam';
}

function requireVm(ctx: RequestContext, vmid: number, privileges: string[], any = false): void {
  ctx.core.perms.check(ctx.caller.authId, `/vms/${vmid}`, privileges, any);
}

function checkHostpci(ctx: RequestContext, vmid: number, key: string, value: string): void {
  const parsed = splitPropertyString(value, PROPERTY_STRING_FORMATS['pve-qm-hostpci']);
  const entry = parsed.ok ? parsed.values : {};
  if (entry.host !== undefined && entry.mapping !== undefined)
    throw dieError("Cannot set both 'host' and 'mapping'.");
  if (entry.mapping !== undefined) {
    ctx.core.perms.check(ctx.caller.authId, `/mapping/pci/${entry.mapping}`, ['Mapping.Use']);
    requireVm(ctx, vmid, ['VM.Config.HWType']);
    return;
  }
  if (!isRoot(ctx)) throw dieError(`only root can set '${key}' config for non-mapped devices`);
}

function checkDevice(ctx: RequestContext, vmid: number, key: string, value: string): void {
  const real = /^(serial|parallel)\d+$/.test(key)
    ? value.startsWith('/dev/')
    : /(?:^|,)host=/.test(value) && !/(?:^|,)host=spice/.test(value);
  if (real && !isRoot(ctx)) throw dieError(`only root can set '${key}' config for real devices`);
  requireVm(ctx, vmid, ['VM.Config.HWType']);
}

/** Checks every key being set (value given) or deleted (value undefined). Disk storage checks are separate. */
export function checkConfigPermissions(
  ctx: RequestContext,
  vmid: number,
  changes: Record<string, string | undefined>,
): void {
  for (const [key, value] of Object.entries(changes)) {
    if (NOT_CONFIG.test(key)) continue;
    if (CPU.test(key)) requireVm(ctx, vmid, ['VM.Config.CPU']);
    else if (MEMORY.test(key)) requireVm(ctx, vmid, ['VM.Config.Memory']);
    else if (HWTYPE.test(key)) requireVm(ctx, vmid, ['VM.Config.HWType']);
    else if (CLOUDINIT.test(key)) requireVm(ctx, vmid, ['VM.Config.Cloudinit']);
    else if (CLOUDINIT_OR_NET.test(key))
      requireVm(ctx, vmid, ['VM.Config.Cloudinit', 'VM.Config.Network'], true);
    else if (/^net\d+$/.test(key)) requireVm(ctx, vmid, ['VM.Config.Network']);
    else if (DISK.test(key))
      requireVm(ctx, vmid, [
        value !== undefined && /media=cdrom/.test(value) ? 'VM.Config.CDROM' : 'VM.Config.Disk',
      ]);
    else if (DISK_OPTIONS.test(key)) requireVm(ctx, vmid, ['VM.Config.Disk']);
    else if (/^hostpci\d+$/.test(key)) {
      if (value !== undefined) checkHostpci(ctx, vmid, key, value);
      else requireVm(ctx, vmid, ['VM.Config.HWType']);
    } else if (/^(serial|parallel|usb)\d+$/.test(key)) {
      if (value !== undefined) checkDevice(ctx, vmid, key, value);
      else requireVm(ctx, vmid, ['VM.Config.HWType']);
    } else if (key === 'freeze') requireVm(ctx, vmid, ['VM.PowerMgmt']);
    else if (ROOT_ONLY.test(key)) {
      if (!isRoot(ctx)) throw dieError(`only root can set '${key}' config`);
    } else requireVm(ctx, vmid, ['VM.Config.Options']);
  }
}

/** `Datastore.AllocateSpace` on a storage that gets a new volume. */
export function checkStorageSpace(ctx: RequestContext, storage: string): void {
  ctx.core.perms.check(ctx.caller.authId, `/storage/${storage}`, ['Datastore.AllocateSpace']);
}

/** SDN.Use on the bridge (local zone), as check_bridge_access does. */
export function checkBridge(ctx: RequestContext, bridge: string, tag?: string): void {
  const path = tag ? `/sdn/zones/localnetwork/${bridge}/${tag}` : `/sdn/zones/localnetwork/${bridge}`;
  ctx.core.perms.check(ctx.caller.authId, path, ['SDN.Use']);
}
