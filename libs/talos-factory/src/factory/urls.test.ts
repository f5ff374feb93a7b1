import { describe, expect, it } from 'vitest';
import { imageFactoryUrls } from './urls';

const ID = 'ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515';
const F = 'https://factory.talos.dev';

describe('imageFactoryUrls (talos_image_factory_urls field names)', () => {
  it('metal v1.13.9: every URL, unified installer, raw.zst disk image, pxe host', () => {
    expect(
      imageFactoryUrls({ factoryUrl: F, schematicId: ID, talosVersion: '1.13.9', platform: 'metal' }),
    ).toEqual({
      installer: `factory.talos.dev/metal-installer/${ID}:v1.13.9`,
      installer_secureboot: `factory.talos.dev/metal-installer-secureboot/${ID}:v1.13.9`,
      iso: `${F}/image/${ID}/v1.13.9/metal-amd64.iso`,
      iso_secureboot: `${F}/image/${ID}/v1.13.9/metal-amd64-secureboot.iso`,
      disk_image: `${F}/image/${ID}/v1.13.9/metal-amd64.raw.zst`,
      disk_image_secureboot: `${F}/image/${ID}/v1.13.9/metal-amd64-secureboot.raw.zst`,
      pxe: `https://pxe.factory.talos.dev/pxe/${ID}/v1.13.9/metal-amd64`,
      kernel: `${F}/image/${ID}/v1.13.9/kernel-amd64`,
      kernel_command_line: `${F}/image/${ID}/v1.13.9/cmdline-metal-amd64`,
      initramfs: `${F}/image/${ID}/v1.13.9/initramfs-amd64.xz`,
      uki: `${F}/image/${ID}/v1.13.9/metal-amd64-secureboot-uki.efi`,
    });
  });

  it('nocloud: raw.xz by default, uncompressed qcow2 on request (what Proxmox can import)', () => {
    const base = { factoryUrl: F, schematicId: ID, talosVersion: 'v1.13.9', platform: 'nocloud' };
    expect(imageFactoryUrls(base).disk_image).toBe(`${F}/image/${ID}/v1.13.9/nocloud-amd64.raw.xz`);
    expect(imageFactoryUrls({ ...base, diskImageFormat: 'qcow2' }).disk_image).toBe(
      `${F}/image/${ID}/v1.13.9/nocloud-amd64.qcow2`,
    );
  });

  it('version gates: legacy installer before 1.10, xz before zstd (1.8)', () => {
    const urls = imageFactoryUrls({
      factoryUrl: F,
      schematicId: ID,
      talosVersion: 'v1.7.6',
      platform: 'metal',
    });
    expect(urls.installer).toBe(`factory.talos.dev/installer/${ID}:v1.7.6`);
    expect(urls.installer_secureboot).toBe(`factory.talos.dev/installer-secureboot/${ID}:v1.7.6`);
    expect(urls.disk_image).toMatch(/metal-amd64\.raw\.xz$/);
  });

  it('cloud platforms fill only what applies', () => {
    const aws = imageFactoryUrls({
      factoryUrl: F,
      schematicId: ID,
      talosVersion: 'v1.13.9',
      platform: 'aws',
      arch: 'arm64',
    });
    expect(aws.disk_image).toBe(`${F}/image/${ID}/v1.13.9/aws-arm64.raw.xz`);
    expect(aws.installer).toBe(`factory.talos.dev/aws-installer/${ID}:v1.13.9`);
    expect([aws.iso, aws.pxe, aws.uki, aws.installer_secureboot, aws.disk_image_secureboot]).toEqual([
      '',
      '',
      '',
      '',
      '',
    ]);
  });

  it('SBCs use metal-arm64 images (overlays need >= 1.7)', () => {
    const sbc = imageFactoryUrls({
      factoryUrl: F,
      schematicId: ID,
      talosVersion: 'v1.13.9',
      sbc: 'rpi_generic',
    });
    expect(sbc.installer).toBe(`factory.talos.dev/metal-installer/${ID}:v1.13.9`);
    expect(sbc.disk_image).toBe(`${F}/image/${ID}/v1.13.9/metal-arm64.raw.xz`);
    expect(() =>
      imageFactoryUrls({ factoryUrl: F, schematicId: ID, talosVersion: 'v1.6.0', sbc: 'rpi_generic' }),
    ).toThrow(expect.objectContaining({ code: 'TALOS_VERSION_UNSUPPORTED' }));
  });

  it('a local factory (simulator) serves PXE itself', () => {
    const local = imageFactoryUrls({
      factoryUrl: 'http://127.0.0.1:4567/',
      schematicId: ID,
      talosVersion: 'v1.13.9',
      platform: 'nocloud',
    });
    expect(local.pxe).toBe(`http://127.0.0.1:4567/pxe/${ID}/v1.13.9/nocloud-amd64`);
    expect(local.installer).toBe(`127.0.0.1:4567/nocloud-installer/${ID}:v1.13.9`);
  });

  it('rejects bad input clearly', () => {
    const ok = { factoryUrl: F, schematicId: ID, talosVersion: 'v1.13.9', platform: 'nocloud' };
    expect(() => imageFactoryUrls({ ...ok, platform: 'proxmox' })).toThrow(
      expect.objectContaining({ code: 'TALOS_PLATFORM_UNKNOWN' }),
    );
    expect(() => imageFactoryUrls({ ...ok, schematicId: 'abc' })).toThrow(
      expect.objectContaining({ code: 'SCHEMATIC_ID_INVALID' }),
    );
    expect(() => imageFactoryUrls({ ...ok, factoryUrl: 'factory' })).toThrow(
      expect.objectContaining({ code: 'FACTORY_URL_INVALID' }),
    );
  });
});
