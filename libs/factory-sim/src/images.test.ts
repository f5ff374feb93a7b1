import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { parseSchematic, resolveSchematic } from '@infra/talos-factory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImagePath, QCOW2_VIRTUAL_SIZE } from './images';
import { type FactorySimulator, startFactorySimulator } from './server';

const hasXz = (() => {
  try {
    execFileSync('xz', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let sim: FactorySimulator;
let id: string;
let otherId: string;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function register(extensions: string[]): Promise<string> {
  const { canonical } = resolveSchematic(
    parseSchematic(
      JSON.stringify({ customization: { systemExtensions: { officialExtensions: extensions } } }),
    ),
  );
  const res = await fetch(`${sim.url}/schematics`, { method: 'POST', body: canonical });
  return ((await res.json()) as { id: string }).id;
}
const get = async (path: string, init?: RequestInit) => {
  const res = await fetch(`${sim.url}${path}`, init);
  return { res, body: Buffer.from(await res.arrayBuffer()) };
};

beforeAll(async () => {
  sim = await startFactorySimulator();
  id = await register(['siderolabs/qemu-guest-agent']);
  otherId = await register(['siderolabs/qemu-guest-agent', 'siderolabs/amd-ucode']);
});
afterAll(() => sim.stop());

describe('image paths', () => {
  it('parses the factory path shapes', () => {
    expect(parseImagePath('nocloud-amd64.qcow2')).toEqual({
      kind: 'disk',
      platform: 'nocloud',
      arch: 'amd64',
      secureboot: false,
      format: 'qcow2',
    });
    expect(parseImagePath('metal-arm64-secureboot.raw.zst')).toMatchObject({
      secureboot: true,
      compression: 'zst',
    });
    expect(parseImagePath('digital-ocean-amd64.raw.gz')).toMatchObject({ platform: 'digital-ocean' });
    expect(parseImagePath('gcp-amd64.raw.tar.gz')).toMatchObject({ compression: 'tar.gz' });
    expect(parseImagePath('kernel-x86_64')).toMatchObject({ kind: 'kernel', arch: 'amd64' });
    expect(parseImagePath('metal-installer-amd64.tar')).toMatchObject({
      kind: 'installer',
      platform: 'metal',
    });
    expect(parseImagePath('nocloud-amd64.img')).toBeUndefined();
    expect(parseImagePath('plan9-amd64.iso')).toBeUndefined();
  });
});

describe('image downloads', () => {
  it('serves a valid qcow2 with stable bytes per schematic and version', async () => {
    const a = await get(`/image/${id}/v1.13.9/nocloud-amd64.qcow2`);
    const b = await get(`/image/${id}/v1.13.9/nocloud-amd64.qcow2`);
    const c = await get(`/image/${otherId}/v1.13.9/nocloud-amd64.qcow2`);
    const d = await get(`/image/${id}/v1.13.8/nocloud-amd64.qcow2`);
    expect(a.res.status).toBe(200);
    expect(a.res.headers.get('content-disposition')).toBe('attachment; filename="nocloud-amd64.qcow2"');
    expect(Number(a.res.headers.get('content-length'))).toBe(a.body.length);
    expect(a.body.subarray(0, 4).toString('latin1')).toBe('QFI\xfb');
    expect(Number(a.body.readBigUInt64BE(24))).toBe(QCOW2_VIRTUAL_SIZE);
    expect(sha(a.body)).toBe(sha(b.body));
    expect(sha(a.body)).not.toBe(sha(c.body));
    expect(sha(a.body)).not.toBe(sha(d.body));
  });

  it('serves real compressed variants', async () => {
    const raw = (await get(`/image/${id}/v1.13.9/nocloud-amd64.raw`)).body;
    expect(gunzipSync((await get(`/image/${id}/v1.13.9/nocloud-amd64.raw.gz`)).body)).toEqual(raw);
    expect(zstdDecompressSync((await get(`/image/${id}/v1.13.9/nocloud-amd64.raw.zst`)).body)).toEqual(raw);
    const tar = gunzipSync((await get(`/image/${id}/v1.13.9/gcp-amd64.raw.tar.gz`)).body);
    expect(tar.subarray(0, 8).toString()).toBe('disk.raw');
  });

  it.skipIf(!hasXz)('serves .raw.xz that xz decompresses', async () => {
    const raw = (await get(`/image/${id}/v1.13.9/nocloud-amd64.raw`)).body;
    const xz = (await get(`/image/${id}/v1.13.9/nocloud-amd64.raw.xz`)).body;
    expect(execFileSync('xz', ['-dc'], { input: xz })).toEqual(raw);
  });

  it('answers HEAD and honours ?filename=', async () => {
    const { res, body } = await get(`/image/${id}/v1.13.9/metal-amd64.iso?filename=talos.iso`, {
      method: 'HEAD',
    });
    expect(res.status).toBe(200);
    expect(body.length).toBe(0);
    expect(res.headers.get('content-disposition')).toContain('talos.iso');
  });

  it('refuses an extension the version does not have, an unknown schematic and a bad path', async () => {
    const nvidia = await register(['siderolabs/nvidia-open-gpu-kernel-modules-production']);
    const old = await get(`/image/${nvidia}/v1.7.6/nocloud-amd64.qcow2`);
    expect(old.res.status).toBe(400);
    expect(old.body.toString()).toBe(
      'official extension "siderolabs/nvidia-open-gpu-kernel-modules-production" is not available for Talos version v1.7.6\n',
    );
    expect((await get(`/image/${'0'.repeat(64)}/v1.13.9/nocloud-amd64.qcow2`)).res.status).toBe(404);
    expect((await get(`/image/${id}/v9.9.9/nocloud-amd64.qcow2`)).res.status).toBe(404);
    expect((await get(`/image/${id}/v1.13.9/nocloud-amd64.vmdk`)).res.status).toBe(404);
  });

  it('serves iPXE scripts', async () => {
    const { body } = await get(`/pxe/${id}/v1.13.9/metal-amd64`);
    expect(body.toString()).toContain(`kernel ${sim.url}/image/${id}/v1.13.9/kernel-amd64`);
    expect(body.toString()).toContain('initrd');
  });

  it('keeps registered schematics across restarts when given a cache directory', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'factory-sim-'));
    const first = await startFactorySimulator({ cacheDir });
    await fetch(`${first.url}/schematics`, { method: 'POST', body: '{}' });
    await first.stop();
    const second = await startFactorySimulator({ cacheDir });
    expect(second.schematicIds()).toEqual([
      '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba',
    ]);
    await second.stop();
  });
});
