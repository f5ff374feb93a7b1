import { z } from 'zod';

/**
 * Everything the planner looks at, as the plain text the host produced. Parsing happens in the planner, so a
 * facts bundle written by hand (or from captured outputs) goes through exactly the same code as a live host.
 */
export const rawFactsSchema = z.object({
  /** `/proc/cpuinfo` (only `vendor_id` and `model name` are read). */
  cpuinfo: z.string(),
  /** `/proc/sys/kernel/osrelease` (= `uname -r`). */
  kernelRelease: z.string(),
  /** `/proc/cmdline` of the running kernel. */
  procCmdline: z.string(),
  /** `proxmox-boot-tool status`: stdout and stderr together, and the exit code (127 = not installed). */
  bootToolStatus: z.object({ output: z.string(), exitCode: z.int() }),
  /** `lspci -Dnnk`. */
  lspci: z.string(),
  /** The IOMMU group listing (`find /sys/kernel/iommu_groups/ -type l` form); empty when the IOMMU is off. */
  iommuGroups: z.string(),
  /** Kernel log lines about the IOMMU (filtered `dmesg` / `journalctl -k`). */
  kernelLog: z.string(),
  /** `<address> <0|1>` per display-class device, from `/sys/bus/pci/devices/<address>/boot_vga`. */
  bootVga: z.string(),
  /** Absolute path → content of every watched configuration file that exists (see WATCHED_FILES/DIRS). */
  files: z.record(z.string(), z.string()),
});
export type RawFacts = z.infer<typeof rawFactsSchema>;

/** Single configuration files the tool reads (and may edit). */
export const WATCHED_FILES = ['/etc/default/grub', '/etc/kernel/cmdline', '/etc/modules'] as const;
/** Directories whose files are read (one level, regular files and symlinks to them). */
export const WATCHED_DIRS = ['/etc/default/grub.d', '/etc/modules-load.d', '/etc/modprobe.d'] as const;

/** True when an absolute path is one the facts cover (a watched file, or directly inside a watched dir). */
export function isWatchedPath(path: string): boolean {
  if ((WATCHED_FILES as readonly string[]).includes(path)) return true;
  const dir = path.slice(0, path.lastIndexOf('/'));
  const name = path.slice(path.lastIndexOf('/') + 1);
  return (WATCHED_DIRS as readonly string[]).includes(dir) && name !== '' && name !== '.' && name !== '..';
}

/**
 * The bundle layout: one plain file per source. Config files keep their host path below the bundle root
 * (`etc/modprobe.d/pve-blacklist.conf`). libs/gpu-host-setup/README.md documents the same table.
 */
export const BUNDLE_FILES = {
  cpuinfo: 'proc/cpuinfo',
  kernelRelease: 'proc/sys/kernel/osrelease',
  procCmdline: 'proc/cmdline',
  bootToolOutput: 'proxmox-boot-tool-status.txt',
  bootToolExitCode: 'proxmox-boot-tool-status.exit-code',
  lspci: 'lspci-nnk.txt',
  iommuGroups: 'iommu-groups.txt',
  kernelLog: 'kernel-log.txt',
  bootVga: 'boot-vga.txt',
} as const;
