import { InfraError } from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';
import { appendGrubDefaultParams, findGrubAssignment, grubCmdlineTokens } from '../parse/grub-default';
import { hasParam, splitCmdline } from '../parse/kernel-cmdline';
import type { Bootloader } from './bootloader';

/** The kernel command line as the bootloader's config file defines it (what the next boot gets). */
export function configuredCmdline(bootloader: Bootloader, files: Readonly<Record<string, string>>): string[] {
  const content = files[bootloader.cmdlineFile];
  if (bootloader.cmdlineFile === '/etc/kernel/cmdline') {
    if (content === undefined) {
      throw new InfraError<GpuHostErrorCode>(
        'KERNEL_CMDLINE_FILE_MISSING',
        `this host boots with systemd-boot but /etc/kernel/cmdline does not exist`,
        {
          hint: 'create it with the current command line minus initrd= (see `cat /proc/cmdline`), keeping root=, then plan again',
        },
      );
    }
    const tokens = splitCmdline(content.split('\n')[0] ?? '');
    if (!tokens.some((token) => token.startsWith('root='))) {
      throw new InfraError<GpuHostErrorCode>(
        'KERNEL_CMDLINE_NO_ROOT',
        `the first line of /etc/kernel/cmdline has no root= parameter`,
        {
          hint: 'proxmox-boot-tool refresh aborts without root= ("No root= parameter in /etc/kernel/cmdline found!"); fix the file first',
        },
      );
    }
    return tokens;
  }
  if (content === undefined) {
    throw new InfraError<GpuHostErrorCode>(
      'GRUB_CONFIG_MISSING',
      'this host boots with GRUB but /etc/default/grub does not exist',
      {
        hint: 'reinstall the grub config (`apt install --reinstall grub-pc` or `grub-efi-amd64`) or restore the file, then plan again',
      },
    );
  }
  const dropIns = Object.entries(files)
    .filter(([path]) => path.startsWith('/etc/default/grub.d/') && path.endsWith('.cfg'))
    .sort(([a], [b]) => a.localeCompare(b));
  return [...grubCmdlineTokens(content), ...dropIns.flatMap(([, text]) => grubCmdlineTokens(text))].filter(
    (token) => !token.startsWith('$'),
  );
}

/** The bootloader config file with `params` added; only the one line that carries the command line changes. */
export function addCmdlineParams(
  bootloader: Bootloader,
  files: Readonly<Record<string, string>>,
  params: readonly string[],
): string {
  const content = files[bootloader.cmdlineFile]!;
  if (bootloader.cmdlineFile === '/etc/kernel/cmdline') {
    const [first = '', ...rest] = content.split('\n');
    const tokens = splitCmdline(first);
    const line = [first.trimEnd(), ...params.filter((p) => !hasParam(tokens, p))].join(' ');
    return [line, ...rest].join('\n');
  }
  // A drop-in that assigns GRUB_CMDLINE_LINUX_DEFAULT without its previous value would hide the edit.
  for (const [path, text] of Object.entries(files)) {
    if (!path.startsWith('/etc/default/grub.d/') || !path.endsWith('.cfg')) continue;
    const assignment = findGrubAssignment(text, 'GRUB_CMDLINE_LINUX_DEFAULT');
    if (assignment === undefined) continue;
    if (assignment === 'unparseable' || !/\$\{?GRUB_CMDLINE_LINUX_DEFAULT\b/.test(assignment.value)) {
      throw new InfraError<GpuHostErrorCode>(
        'GRUB_CMDLINE_OVERRIDDEN',
        `${path} overrides GRUB_CMDLINE_LINUX_DEFAULT, so an edit of /etc/default/grub would not take effect`,
        {
          hint: `add ${params.join(' ')} to ${path} by hand (or make it append to $GRUB_CMDLINE_LINUX_DEFAULT), then plan again`,
        },
      );
    }
  }
  try {
    return appendGrubDefaultParams(content, params);
  } catch (error) {
    throw new InfraError<GpuHostErrorCode>(
      'GRUB_CMDLINE_UNEDITABLE',
      `/etc/default/grub: ${(error as Error).message}`,
      {
        hint: `add ${params.join(' ')} to GRUB_CMDLINE_LINUX_DEFAULT by hand, run update-grub, then plan again`,
        cause: error,
      },
    );
  }
}
