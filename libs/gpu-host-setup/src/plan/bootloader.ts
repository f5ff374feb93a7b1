import { InfraError } from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';
import type { BootToolStatus } from '../parse/boot-tool-status';
import { splitCmdline } from '../parse/kernel-cmdline';

export type BootloaderKind = 'grub' | 'grub-proxmox-boot-tool' | 'systemd-boot';

export interface Bootloader {
  kind: BootloaderKind;
  /** The file the active bootloader takes the kernel command line from. */
  cmdlineFile: '/etc/default/grub' | '/etc/kernel/cmdline';
  /** What makes an edit of that file take effect. */
  refreshCommand: string[];
}

const BOOTLOADERS: Record<BootloaderKind, Bootloader> = {
  grub: { kind: 'grub', cmdlineFile: '/etc/default/grub', refreshCommand: ['update-grub'] },
  'grub-proxmox-boot-tool': {
    kind: 'grub-proxmox-boot-tool',
    cmdlineFile: '/etc/default/grub',
    refreshCommand: ['proxmox-boot-tool', 'refresh'],
  },
  'systemd-boot': {
    kind: 'systemd-boot',
    cmdlineFile: '/etc/kernel/cmdline',
    refreshCommand: ['proxmox-boot-tool', 'refresh'],
  },
};

/** What the running kernel's command line says about who booted it. */
function bootedBy(procCmdline: string): 'grub' | 'systemd-boot' | undefined {
  const tokens = splitCmdline(procCmdline);
  if (tokens[0]?.startsWith('BOOT_IMAGE=')) return 'grub';
  if (tokens.some((token) => /^initrd=\\EFI\\/i.test(token))) return 'systemd-boot';
  return undefined;
}

function unknown(reason: string, details: Record<string, unknown>): InfraError {
  return new InfraError<GpuHostErrorCode>(
    'BOOTLOADER_UNKNOWN',
    `cannot tell which bootloader this host uses: ${reason}`,
    {
      hint: 'the kernel command line is only edited when the bootloader is certain; check `proxmox-boot-tool status` and `efibootmgr -v` on the host (Proxmox docs, "Host Bootloader") and fix or report the setup',
      details,
    },
  );
}

/**
 * Decides the bootloader from `proxmox-boot-tool status` and cross-checks it against /proc/cmdline
 * (Proxmox VE admin guide, system-booting.adoc "Determine which Bootloader is Used"). Mixed ESPs, an
 * unknown answer or a contradiction fail closed.
 */
export function decideBootloader(status: BootToolStatus, procCmdline: string): Bootloader {
  const running = bootedBy(procCmdline);
  const details = {
    bootToolState: status.state,
    esps: status.esps,
    runningKernelBootedBy: running ?? 'unknown',
  };
  let kind: BootloaderKind;
  if (status.state === 'not-configured') {
    kind = 'grub';
  } else if (status.state === 'configured') {
    const modes = new Set(status.esps.flatMap((esp) => esp.modes));
    if (modes.size !== 1)
      throw unknown('the ESPs are configured with both uefi (systemd-boot) and grub', details);
    kind = modes.has('uefi') ? 'systemd-boot' : 'grub-proxmox-boot-tool';
  } else if (status.state === 'not-installed') {
    throw unknown('proxmox-boot-tool is not installed (is this a Proxmox VE host?)', details);
  } else {
    throw unknown('`proxmox-boot-tool status` gave an answer this tool does not recognise', details);
  }
  const expected = kind === 'systemd-boot' ? 'systemd-boot' : 'grub';
  if (running !== undefined && running !== expected) {
    throw unknown(
      `proxmox-boot-tool points to ${kind} but /proc/cmdline shows a kernel booted by ${running}`,
      details,
    );
  }
  return BOOTLOADERS[kind];
}
