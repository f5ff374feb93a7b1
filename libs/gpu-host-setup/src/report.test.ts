import { describe, expect, it } from 'vitest';
import { planHost } from './plan/planner';
import { formatPlan, formatVerify } from './report';
import { composeBundle, PVE_BLACKLIST, STOCK_GRUB, STOCK_MODULES } from './testing/bundles';
import { fixture } from './testing/fixtures';

const facts = composeBundle({
  cpu: 'amd',
  gpu: 'laptop-vfio',
  kernelRelease: '6.14.11-4-pve',
  procCmdline: fixture('proc-cmdline-grub-lvm-amd.txt').replace(' amd_iommu=on iommu=pt pcie_aspm=off', ''),
  bootTool: { fixture: 'proxmox-boot-tool-status-plain-grub.txt', exitCode: 2 },
  files: {
    '/etc/default/grub': STOCK_GRUB,
    '/etc/modules': STOCK_MODULES,
    '/etc/modprobe.d/pve-blacklist.conf': PVE_BLACKLIST,
  },
});

describe('formatPlan / formatVerify', () => {
  it('shows the GPU, the bootloader, the changes with their diffs and the verdict', () => {
    const text = formatPlan(planHost(facts), 'ssh root@pve.lan');
    expect(text.split('\n').slice(0, 6)).toEqual([
      'Host ssh root@pve.lan: AMD AMD Ryzen 9 9955HX 16-Core Processor, kernel 6.14.11-4-pve',
      'GPU slot 0000:01:00, IOMMU group 11:',
      '  0000:01:00.0 [10de:27bb] NVIDIA Corporation AD104GLM [RTX 3500 Ada Generation Laptop GPU] (driver: vfio-pci)',
      '  0000:01:00.1 [10de:22bc] NVIDIA Corporation AD104 High Definition Audio Controller (driver: vfio-pci)',
      'Bootloader: grub (/etc/default/grub, refreshed by `update-grub`)',
      'Kernel parameters: none needed',
    ]);
    expect(text).toContain('+++ b/etc/modprobe.d/infra-vfio.conf');
    expect(text).toContain('Commands:\n  update-initramfs -u -k all');
    expect(text.endsWith('3 file(s) to change; apply them with `gpu-host.ts apply`, then reboot.')).toBe(
      true,
    );
  });

  it('says so when the host is compliant', () => {
    const done = planHost(facts);
    const files = { ...facts.files };
    for (const change of done.changes) files[change.path] = change.after!;
    expect(
      formatPlan(planHost({ ...facts, files }), 'local').endsWith('The host is compliant: nothing to do.'),
    ).toBe(true);
  });

  it('marks failing checks', () => {
    expect(
      formatVerify({
        ok: false,
        checks: [
          { name: 'iommu-active', status: 'pass', detail: '30 IOMMU groups' },
          { name: 'vfio-bound', status: 'fail', detail: 'not on vfio-pci: 0000:01:00.0 (nouveau)' },
        ],
      }),
    ).toBe(
      'ok   iommu-active: 30 IOMMU groups\nFAIL vfio-bound: not on vfio-pci: 0000:01:00.0 (nouveau)\n\nPassthrough is NOT in effect (see FAIL lines).',
    );
  });
});
