import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RawFacts } from '../facts/raw-facts';
import { parseBootVga } from '../parse/host-info';
import { parseIommuGroups } from '../parse/iommu-groups';

export interface FakeHost {
  /** Host filesystem root (pass as `root` to a Host). */
  root: string;
  /** Directory with the stand-in tools; put it first on PATH. */
  bin: string;
  /** argv lines the stand-in boot tools recorded, in order. */
  commandLog(): Promise<string[]>;
  /** What the stand-in `lspci` prints from now on (e.g. after a simulated reboot). */
  setLspci(text: string): Promise<void>;
}

const script = (body: string) => `#!/bin/sh\n${body}\n`;

/**
 * A Proxmox host in a temp dir, seeded from facts: proc/ and etc/ files below `root`, sysfs IOMMU groups and
 * boot_vga files, and stand-ins for lspci, dmesg, proxmox-boot-tool, update-initramfs and update-grub that
 * print the facts or append their argv to a log. Nothing on the real machine is read or changed.
 */
export async function createFakeHost(
  dir: string,
  facts: RawFacts,
  fileModes: Record<string, number> = {},
): Promise<FakeHost> {
  const root = join(dir, 'root');
  const bin = join(dir, 'bin');
  const state = join(dir, 'state');
  await Promise.all([mkdir(bin, { recursive: true }), mkdir(state, { recursive: true })]);
  const put = async (path: string, content: string, mode = 0o644) => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    await chmod(path, mode);
  };
  await put(join(root, 'proc/cpuinfo'), facts.cpuinfo);
  await put(join(root, 'proc/cmdline'), facts.procCmdline);
  await put(join(root, 'proc/sys/kernel/osrelease'), `${facts.kernelRelease}\n`);
  for (const [path, content] of Object.entries(facts.files))
    await put(join(root, path), content, fileModes[path] ?? 0o644);
  for (const [address, group] of parseIommuGroups(facts.iommuGroups)) {
    const link = join(root, 'sys/kernel/iommu_groups', String(group), 'devices', address);
    await mkdir(dirname(link), { recursive: true });
    await symlink(`../../../../bus/pci/devices/${address}`, link);
    await mkdir(join(root, 'sys/bus/pci/devices', address), { recursive: true });
  }
  for (const [address, flag] of parseBootVga(facts.bootVga))
    await put(join(root, 'sys/bus/pci/devices', address, 'boot_vga'), flag ? '1\n' : '0\n');
  if (parseIommuGroups(facts.iommuGroups).size === 0)
    await mkdir(join(root, 'sys/kernel/iommu_groups'), { recursive: true });

  const log = join(state, 'commands.log');
  await put(join(state, 'lspci.txt'), facts.lspci);
  await put(join(state, 'dmesg.txt'), facts.kernelLog);
  await put(join(state, 'pbt-status.txt'), facts.bootToolStatus.output);
  await writeFile(log, '');
  const record = (name: string) =>
    script(`if [ $# -gt 0 ]; then echo "${name} $*"; else echo ${name}; fi >> '${log}'`);
  await put(join(bin, 'lspci'), script(`cat '${join(state, 'lspci.txt')}'`), 0o755);
  await put(join(bin, 'dmesg'), script(`cat '${join(state, 'dmesg.txt')}'`), 0o755);
  await put(join(bin, 'update-initramfs'), record('update-initramfs'), 0o755);
  await put(join(bin, 'update-grub'), record('update-grub'), 0o755);
  await put(
    join(bin, 'proxmox-boot-tool'),
    script(
      `if [ "$1" = status ]; then cat '${join(state, 'pbt-status.txt')}'; exit ${facts.bootToolStatus.exitCode}; fi\necho "proxmox-boot-tool $*" >> '${log}'`,
    ),
    0o755,
  );
  return {
    root,
    bin,
    commandLog: async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean),
    setLspci: (text) => writeFile(join(state, 'lspci.txt'), text),
  };
}
