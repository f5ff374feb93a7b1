import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironment } from '@infra/config';
import { ProxmoxClient } from '@infra/proxmox-client';
import { startSimulator } from '@infra/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFile, mirrorFiles } from './catalog';
import { buildIso9660 } from './iso9660';
import { type ImageMirror, mirroredImages, startImageMirror } from './server';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const catalog = async () => (await loadEnvironment('local', { cwd: REPO_ROOT })).images;

describe('mirror files for the catalog', () => {
  it('has one file per image source and drivers ISO in infra.config.yaml, in the format the install needs', async () => {
    const files = mirrorFiles(await catalog()).map((f) => `${f.os}/${f.media} ${f.format} ${f.fileName}`);
    expect(files).toEqual([
      'arch/source qcow2 Arch-Linux-x86_64-cloudimg-20260715.556894.qcow2',
      'debian/source qcow2 debian-13-genericcloud-amd64-20250924-2245.qcow2',
      'nixos/source iso nixos-minimal-25.11.4270.77ef7a29d276-x86_64-linux.iso',
      'ubuntu/source qcow2 ubuntu-24.04-server-cloudimg-amd64.img',
      'windows/source iso windows-2025-source.iso',
      'windows/drivers iso virtio-win-0.1.271.iso',
    ]);
  });

  it('generates the same bytes for the same entry and different bytes for different entries', async () => {
    const files = mirrorFiles(await catalog());
    const hashes = files.map((file) => sha256(generateFile(file)));
    expect(files.map((file) => sha256(generateFile(file)))).toEqual(hashes);
    expect(new Set(hashes).size).toBe(files.length);
  });

  it('makes ISOs that blkid (util-linux) probes as ISO 9660 with the label, and qcow2 v3 disk images', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'image-mirror-'));
    try {
      const iso = join(dir, 'test.iso');
      await writeFile(iso, buildIso9660('nixos_install', 'README.TXT', Buffer.from('hello\n')));
      const probe = execFileSync('blkid', ['-p', '-o', 'export', iso], { encoding: 'utf8' });
      expect(probe).toMatch(/^TYPE=iso9660$/m);
      expect(probe).toMatch(/^LABEL=NIXOS_INSTALL$/m);
      const disk = generateFile(mirrorFiles(await catalog()).find((f) => f.os === 'arch')!);
      expect(disk.subarray(0, 4).toString('latin1')).toBe('QFI\xfb');
      expect(disk.readUInt32BE(4)).toBe(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the mirror server', () => {
  let mirror: ImageMirror;
  beforeAll(async () => {
    mirror = await startImageMirror({ images: await catalog() });
  });
  afterAll(() => mirror?.stop());

  it('serves each file with the checksum it reports, its .sha256, HEAD, and a 404 naming the path', async () => {
    for (const file of mirror.files) {
      const body = Buffer.from(await (await fetch(file.url)).arrayBuffer());
      expect(`sha256:${sha256(body)}`).toBe(file.checksum);
      expect(await (await fetch(`${file.url}.sha256`)).text()).toBe(
        `${file.checksum.slice(7)}  ${file.fileName}\n`,
      );
    }
    const head = await fetch(mirror.files[0]!.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(mirror.files[0]!.size);
    const missing = await fetch(`${mirror.url}/debian/source/nope.qcow2`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('/debian/source/nope.qcow2');
    expect(mirror.requests).toContain('GET /debian/source/nope.qcow2 404');
  });

  it('rewrites every catalog source to its loopback copy, drops a local source.path, keeps everything else', async () => {
    const images = await catalog();
    const withPath = {
      ...images,
      windows: { ...images.windows!, source: { ...images.windows!.source, path: '/isos/ws2025.iso' } },
    };
    const rewritten = mirroredImages(withPath, mirror);
    for (const [os, image] of Object.entries(rewritten)) {
      expect(image.source.url.startsWith(`${mirror.url}/${os}/source/`)).toBe(true);
      expect(image.source.checksum).toBe(mirror.source(os)!.checksum);
      expect(image.source.checksum).not.toBe(images[os]!.source.checksum);
      expect(image.hardware).toEqual(images[os]!.hardware);
    }
    expect(rewritten.windows!.source.path).toBeUndefined();
    expect(rewritten.windows!.drivers!.url).toBe(mirror.source('windows', 'drivers')!.url);
    expect(rewritten.windows!.unattend).toEqual(images.windows!.unattend);
  });

  it('is what the Proxmox simulator downloads, checksum-verified, as import (disk) and iso content', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'image-mirror-pve-'));
    const sim = await startSimulator({ stateDir: join(dir, 'sim'), timing: { taskMs: 5 } });
    const token = await sim.issueToken('root@pam!test');
    const client = new ProxmoxClient({
      endpoint: sim.url,
      auth: { type: 'token', tokenId: token.tokenId, secret: token.secret },
      tls: { fingerprint: sim.fingerprint },
    });
    try {
      await client.updateStorage('local', { content: 'iso,vztmpl,backup,import' });
      const disk = mirror.files.find((f) => f.os === 'arch')!;
      const iso = mirror.files.find((f) => f.os === 'nixos')!;
      for (const [file, content, filename] of [
        [disk, 'import', 'arch-test.qcow2'],
        [iso, 'iso', 'nixos-test.iso'],
      ] as const) {
        const [algorithm, digest] = file.checksum.split(':') as ['sha256', string];
        const outcome = await client.downloadUrl('pve', 'local', {
          content,
          filename,
          url: file.url,
          checksum: digest,
          'checksum-algorithm': algorithm,
        });
        expect(outcome.volid).toBe(`local:${content}/${filename}`);
      }
      const volumes = (await client.storageContent('pve', 'local')).map((v) => v.volid);
      expect(volumes).toEqual(
        expect.arrayContaining(['local:import/arch-test.qcow2', 'local:iso/nixos-test.iso']),
      );
    } finally {
      await client.close();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
