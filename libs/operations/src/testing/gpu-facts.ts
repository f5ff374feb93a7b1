import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './host';

const FIXTURES = join(REPO_ROOT, 'libs/gpu-host-setup/test-fixtures/gpu');
const fixture = async (name: string) =>
  (await readFile(join(FIXTURES, name), 'utf8')).replace(/^# source:.*\n/, '');

/**
 * A GPU facts bundle directory as `gpu-host.ts collect --out` writes it (layout: libs/gpu-host-setup/README.md),
 * from gpu-host-setup's captured fixtures (RTX 4000 SFF Ada on nouveau, plain GRUB) plus a hand-written AMD
 * cpuinfo, kernel release and GRUB defaults. `kernelLog` lets a test plant a host name in the journal lines.
 */
export async function writeGpuFacts(dir: string, kernelLog: string): Promise<void> {
  const files: Record<string, string> = {
    'proc/cpuinfo':
      'processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD Ryzen 9 9955HX 16-Core Processor\n',
    'proc/sys/kernel/osrelease': '6.14.8-2-pve\n',
    'proc/cmdline': 'BOOT_IMAGE=/boot/vmlinuz-6.14.8-2-pve root=/dev/mapper/pve-root ro quiet\n',
    'proxmox-boot-tool-status.txt': await fixture('proxmox-boot-tool-status-plain-grub.txt'),
    'proxmox-boot-tool-status.exit-code': '2\n',
    'lspci-nnk.txt': await fixture('lspci-nnk-rtx4000-sff-ada-nouveau.txt'),
    'iommu-groups.txt': '/sys/kernel/iommu_groups/14/devices/0000:01:00.0\n',
    'kernel-log.txt': kernelLog,
    'boot-vga.txt': '0000:01:00.0 0\n',
    'etc/default/grub': 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n',
    'etc/modules': '# /etc/modules: kernel modules to load at boot time.\n',
  };
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}
