import { createHash } from 'node:crypto';
import type { Environment } from '@infra/config';
import { describe, expect, it } from 'vitest';
import type { ProxmoxEnvironment } from './environment';
import { openHostImages } from './image-mirror';

const upstream = {
  url: 'https://cloud-images.ubuntu.com/releases/noble/ubuntu-24.04-server-cloudimg-amd64.img',
  checksum: `sha256:${'a'.repeat(64)}`,
};
const images = {
  ubuntu: {
    version: '24.04',
    source: upstream,
    hardware: {
      cores: 2,
      sockets: 1,
      memoryMiB: 2048,
      diskGiB: 16,
      cpuType: 'host',
      machine: 'q35',
      bios: 'ovmf',
      scsiController: 'virtio-scsi-single',
      balloon: false,
    },
  },
} as unknown as Environment['images'];

const environment = (endpoint: string, imageMirror?: 'embedded'): ProxmoxEnvironment => ({
  name: 'local',
  repoRoot: '/nonexistent',
  proxmox: { endpoint, node: 'pve', tls: {} },
  secrets: '/nonexistent/secrets.enc.yaml',
  images,
  ...(imageMirror ? { imageMirror } : {}),
});

describe('openHostImages', () => {
  it('hands a real host, or an embedded one without imageMirror, the catalog unchanged', async () => {
    for (const env of [environment('https://pve.lan:8006', 'embedded'), environment('embedded')]) {
      const host = await openHostImages(env);
      expect(host.images).toBe(images);
      await host.stop();
    }
  });

  it('with imageMirror: embedded, points each source at the mirror copy, whose bytes match its checksum', async () => {
    const host = await openHostImages(environment('embedded', 'embedded'));
    try {
      const source = host.images.ubuntu?.source;
      expect(source?.url).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/ubuntu\/source\/ubuntu-24\.04-server-cloudimg-amd64\.img$/,
      );
      expect(source?.checksum).not.toBe(upstream.checksum);
      const bytes = Buffer.from(await (await fetch(source?.url ?? '')).arrayBuffer());
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(source?.checksum);
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('QFI\xfb'); // a qcow2
    } finally {
      await host.stop();
    }
    await expect(fetch(host.images.ubuntu?.source.url ?? '')).rejects.toThrow();
  });
});
