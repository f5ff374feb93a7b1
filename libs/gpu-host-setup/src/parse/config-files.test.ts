import { describe, expect, it } from 'vitest';
import { fixture } from '../testing/fixtures';
import { appendGrubDefaultParams, findGrubAssignment, grubCmdlineTokens } from './grub-default';
import {
  filterKernelLog,
  interruptRemapping,
  kernelOlderThan,
  parseBootVga,
  parseCpuInfo,
  parseKernelVersion,
} from './host-info';
import { hasParam, paramValues, splitCmdline } from './kernel-cmdline';
import { parseModprobeConf, parseModulesLoad, vfioIds } from './module-config';

describe('kernel command lines', () => {
  it('splits the captured /proc/cmdline and matches parameters with - and _ alike', () => {
    const tokens = splitCmdline(fixture('proc-cmdline-grub-lvm-amd.txt'));
    expect(tokens).toEqual([
      'BOOT_IMAGE=/boot/vmlinuz-6.14.11-4-pve',
      'root=/dev/mapper/pve-root',
      'ro',
      'quiet',
      'amd_iommu=on',
      'iommu=pt',
      'pcie_aspm=off',
    ]);
    expect(hasParam(tokens, 'iommu=pt')).toBe(true);
    expect(hasParam(tokens, 'amd-iommu=on')).toBe(true);
    expect(hasParam(tokens, 'intel_iommu=on')).toBe(false);
    expect(paramValues(tokens, 'iommu')).toEqual(['pt']);
  });

  it('keeps quoted values whole', () => {
    expect(splitCmdline('a="b c" d')).toEqual(['a="b c"', 'd']);
  });
});

describe('/etc/default/grub', () => {
  const debian = [
    'GRUB_DEFAULT=0',
    'GRUB_TIMEOUT=5',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax inside a GRUB file, not a template
    'GRUB_DISTRIBUTOR=`( . /etc/os-release && echo ${NAME} )`',
    'GRUB_CMDLINE_LINUX_DEFAULT="quiet"',
    'GRUB_CMDLINE_LINUX=""',
    '',
  ].join('\n');

  it('appends parameters to GRUB_CMDLINE_LINUX_DEFAULT only', () => {
    const edited = appendGrubDefaultParams(debian, ['iommu=pt']);
    expect(edited).toBe(
      debian.replace('GRUB_CMDLINE_LINUX_DEFAULT="quiet"', 'GRUB_CMDLINE_LINUX_DEFAULT="quiet iommu=pt"'),
    );
    expect(grubCmdlineTokens(edited)).toEqual(['quiet', 'iommu=pt']);
  });

  it('keeps single quotes and trailing comments, and uses the last assignment', () => {
    const text = "GRUB_CMDLINE_LINUX_DEFAULT='x'\nGRUB_CMDLINE_LINUX_DEFAULT='quiet' # tuned\n";
    expect(appendGrubDefaultParams(text, ['a=1', 'b'])).toBe(
      "GRUB_CMDLINE_LINUX_DEFAULT='x'\nGRUB_CMDLINE_LINUX_DEFAULT='quiet a=1 b' # tuned\n",
    );
    expect(appendGrubDefaultParams('GRUB_CMDLINE_LINUX_DEFAULT=quiet\n', ['a'])).toBe(
      'GRUB_CMDLINE_LINUX_DEFAULT="quiet a"\n',
    );
  });

  it('adds the variable when missing and refuses multi-line values', () => {
    expect(appendGrubDefaultParams('GRUB_TIMEOUT=5', ['a'])).toBe(
      'GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="a"\n',
    );
    expect(
      findGrubAssignment('GRUB_CMDLINE_LINUX_DEFAULT="quiet\n  splash"\n', 'GRUB_CMDLINE_LINUX_DEFAULT'),
    ).toBe('unparseable');
    expect(() => appendGrubDefaultParams('GRUB_CMDLINE_LINUX_DEFAULT="quiet\n  splash"\n', ['a'])).toThrow(
      /one-line/,
    );
  });
});

describe('module configuration', () => {
  it('reads modules-load files with comments and - / _ spellings', () => {
    expect(parseModulesLoad('# comment\nvfio\n; other\nvfio-pci\n\nvfio_iommu_type1 # x\n')).toEqual([
      'vfio',
      'vfio_pci',
      'vfio_iommu_type1',
    ]);
  });

  it('reads options, softdep and blacklist lines across files', () => {
    const config = parseModprobeConf(
      'options vfio-pci ids=10de:27B2,10de:22bc disable_vga=1\nsoftdep nouveau pre: vfio-pci\n',
    );
    parseModprobeConf(
      '# nidiafb see bugreport\nblacklist nvidiafb\nsoftdep snd_hda_intel pre: vfio_pci post: x\n',
      config,
    );
    expect(vfioIds(config)).toEqual(['10de:27b2', '10de:22bc']);
    expect(config.options.get('vfio_pci')).toEqual(['ids=10de:27B2,10de:22bc', 'disable_vga=1']);
    expect([...config.softdepPre]).toEqual([
      ['nouveau', ['vfio_pci']],
      ['snd_hda_intel', ['vfio_pci']],
    ]);
    expect([...config.blacklist]).toEqual(['nvidiafb']);
  });
});

describe('host info', () => {
  it('reads the CPU vendor, kernel versions and boot_vga flags', () => {
    expect(
      parseCpuInfo(
        'processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD Ryzen 9 9955HX 16-Core Processor\n',
      ),
    ).toEqual({
      vendor: 'amd',
      vendorId: 'AuthenticAMD',
      model: 'AMD Ryzen 9 9955HX 16-Core Processor',
    });
    expect(parseCpuInfo('vendor_id : GenuineIntel\n').vendor).toBe('intel');
    expect(parseKernelVersion('6.14.11-4-pve')).toEqual([6, 14, 11]);
    expect(parseKernelVersion('6.8-rc1')).toEqual([6, 8, 0]);
    expect(parseKernelVersion('pve')).toBeUndefined();
    expect(kernelOlderThan([6, 5, 13], 6, 8)).toBe(true);
    expect(kernelOlderThan([6, 8, 12], 6, 8)).toBe(false);
    expect([...parseBootVga('01:00.0 1\n0000:c5:00.0 0\nnoise\n')]).toEqual([
      ['0000:01:00.0', true],
      ['0000:c5:00.0', false],
    ]);
  });

  it('keeps the IOMMU lines of a kernel log and sees interrupt remapping in both log forms', () => {
    expect(interruptRemapping(fixture('dmesg-amd-vi.txt'))).toBe('enabled');
    expect(interruptRemapping(fixture('dmesg-amd-vi-journal.txt'))).toBe('enabled');
    expect(interruptRemapping(fixture('dmesg-acs-override-negative.txt'))).toBe('unknown');
    expect(filterKernelLog('[0.1] usb 1-1: new device\n[0.2] AMD-Vi: Interrupt remapping enabled\n')).toBe(
      '[0.2] AMD-Vi: Interrupt remapping enabled\n',
    );
  });
});
