import { describe, expect, it } from 'vitest';
import { fixture } from '../testing/fixtures';
import { parseLspci } from './lspci';

describe('parseLspci', () => {
  it('reads an RTX 4000 SFF Ada on nouveau with its subsystem ID', () => {
    expect(parseLspci(fixture('lspci-nnk-rtx4000-sff-ada-nouveau.txt'))).toEqual([
      {
        address: '0000:01:00.0',
        classCode: '0300',
        className: 'VGA compatible controller',
        vendorId: '10de',
        deviceId: '27b0',
        name: 'NVIDIA Corporation AD104GL [RTX 4000 SFF Ada Generation]',
        subsystemId: '10de:16fa',
        driver: 'nouveau',
        modules: ['nouveau'],
      },
    ]);
  });

  it('reads both functions of a card bound to vfio-pci', () => {
    const devices = parseLspci(fixture('lspci-nnk-ada-laptop-vfio.txt'));
    expect(
      devices.map((d) => [d.address, d.classCode, `${d.vendorId}:${d.deviceId}`, d.driver, d.modules]),
    ).toEqual([
      ['0000:01:00.0', '0300', '10de:27bb', 'vfio-pci', ['nouveau']],
      ['0000:01:00.1', '0403', '10de:22bc', 'vfio-pci', ['snd_hda_intel']],
    ]);
  });

  it('ignores shell prompts and blank lines between two captures', () => {
    const devices = parseLspci(fixture('lspci-nnk-quadro-p1000-vfio.txt'));
    expect(devices.map((d) => [d.address, d.deviceId, d.subsystemId, d.driver, d.modules])).toEqual([
      ['0000:01:00.0', '1cb1', '10de:11bc', 'vfio-pci', ['nvidiafb', 'nouveau']],
      ['0000:01:00.1', '0fb9', '10de:11bc', 'vfio-pci', ['snd_hda_intel']],
    ]);
  });

  it('reads a 3D controller [0302] and the proprietary driver', () => {
    expect(parseLspci(fixture('lspci-nnk-a10-3d-controller-vfio.txt'))[0]).toMatchObject({
      address: '0000:65:00.0',
      classCode: '0302',
      className: '3D controller',
      deviceId: '2236',
    });
    const rtx3080 = parseLspci(fixture('lspci-nnk-rtx3080-nvidia-driver.txt'));
    expect(rtx3080.map((d) => [d.address, d.driver, d.modules])).toEqual([
      ['0000:3e:00.0', 'nvidia', ['nouveau', 'nvidia_drm', 'nvidia']],
      ['0000:3e:00.1', 'snd_hda_intel', ['snd_hda_intel']],
    ]);
  });

  it('keeps domains from -D output, leaves out missing detail lines and sorts by address', () => {
    const text = [
      '0001:02:00.0 Non-Volatile memory controller [0108]: Samsung Electronics Co Ltd NVMe SSD Controller [144d:a80a]',
      '0000:00:00.0 Host bridge [0600]: Advanced Micro Devices, Inc. [AMD] Device [1022:14d8]',
      '\tSubsystem: Advanced Micro Devices, Inc. [AMD] Device [1022:14d8]',
    ].join('\n');
    const devices = parseLspci(text);
    expect(devices.map((d) => d.address)).toEqual(['0000:00:00.0', '0001:02:00.0']);
    expect(devices[1]).toEqual({
      address: '0001:02:00.0',
      classCode: '0108',
      className: 'Non-Volatile memory controller',
      vendorId: '144d',
      deviceId: 'a80a',
      name: 'Samsung Electronics Co Ltd NVMe SSD Controller',
      modules: [],
    });
  });
});
