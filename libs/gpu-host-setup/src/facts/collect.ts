import { InfraError } from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';
import type { Host } from '../host/host';
import { filterKernelLog } from '../parse/host-info';
import { formatIommuGroups, type IommuGroups } from '../parse/iommu-groups';
import { parseLspci } from '../parse/lspci';
import { normalizePciAddress } from '../parse/pci-address';
import { type RawFacts, WATCHED_DIRS, WATCHED_FILES } from './raw-facts';

const text = (buffer: Buffer | undefined) => buffer?.toString('utf8');

async function runChecked(host: Host, argv: string[], hint: string): Promise<string> {
  const result = await host.run(argv);
  if (result.exitCode !== 0) {
    throw new InfraError<GpuHostErrorCode>(
      'HOST_COMMAND_FAILED',
      `\`${argv.join(' ')}\` failed on ${host.label} (exit ${result.exitCode}): ${result.stderr.trim()}`,
      {
        hint,
      },
    );
  }
  return result.stdout;
}

/** Kernel log lines about the IOMMU: dmesg, or the journal when dmesg is restricted. */
async function kernelLog(host: Host): Promise<string> {
  const dmesg = await host.run(['dmesg']);
  if (dmesg.exitCode === 0) return filterKernelLog(dmesg.stdout);
  const journal = await host.run(['journalctl', '-k', '-b', '--no-pager', '-o', 'short-monotonic']);
  return journal.exitCode === 0 ? filterKernelLog(journal.stdout) : '';
}

/**
 * Gathers the facts the planner needs from a host (issue 6, "Facts"): a handful of round trips, so it is quick
 * over ssh too. Only reads; nothing on the host changes.
 */
export async function collectFacts(host: Host): Promise<RawFacts> {
  const listings = await Promise.all(
    WATCHED_DIRS.map(async (dir) => ({ dir, entries: await host.listDir(dir) })),
  );
  const configPaths = [
    ...WATCHED_FILES,
    ...listings.flatMap(({ dir, entries }) =>
      (entries ?? []).filter((e) => e.type === 'file').map((e) => `${dir}/${e.name}`),
    ),
  ];
  const procPaths = ['/proc/cpuinfo', '/proc/cmdline', '/proc/sys/kernel/osrelease'];
  const [contents, groupTree, lspci, bootTool, log] = await Promise.all([
    host.readFiles([...procPaths, ...configPaths]),
    host.listTree('/sys/kernel/iommu_groups', 3),
    runChecked(host, ['lspci', '-Dnnk'], 'install pciutils on the host (apt install pciutils)'),
    host.run(['proxmox-boot-tool', 'status']),
    kernelLog(host),
  ]);
  const missingProc = procPaths.filter((path) => contents.get(path) === undefined);
  if (missingProc.length > 0) {
    throw new InfraError<GpuHostErrorCode>(
      'HOST_NOT_LINUX',
      `${host.label} has no ${missingProc.join(', ')}`,
      {
        hint: 'the host must be a Linux (Proxmox VE) machine; with --root, the root must hold proc/ files like a facts bundle',
      },
    );
  }

  const groups: IommuGroups = new Map();
  for (const entry of groupTree ?? []) {
    const match = /^(\d+)\/devices\/([^/]+)$/.exec(entry);
    const address = match ? normalizePciAddress(match[2]!) : undefined;
    if (match && address) groups.set(address, Number(match[1]));
  }

  const displays = parseLspci(lspci).filter((device) => device.classCode.startsWith('03'));
  const bootVgaFiles = await host.readFiles(
    displays.map((d) => `/sys/bus/pci/devices/${d.address}/boot_vga`),
  );
  const bootVga = displays
    .flatMap((d) => {
      const value = text(bootVgaFiles.get(`/sys/bus/pci/devices/${d.address}/boot_vga`))?.trim();
      return value === '0' || value === '1' ? [`${d.address} ${value}\n`] : [];
    })
    .join('');

  const files: Record<string, string> = {};
  for (const path of configPaths) {
    const content = text(contents.get(path));
    if (content !== undefined) files[path] = content;
  }
  return {
    cpuinfo: text(contents.get('/proc/cpuinfo'))!,
    kernelRelease: text(contents.get('/proc/sys/kernel/osrelease'))!.trim(),
    procCmdline: text(contents.get('/proc/cmdline'))!,
    bootToolStatus: { output: `${bootTool.stdout}${bootTool.stderr}`, exitCode: bootTool.exitCode },
    lspci,
    iommuGroups: formatIommuGroups(groups),
    kernelLog: log,
    bootVga,
    files,
  };
}
