import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Environment, loadEnvironment } from '@infra/config';
import { type ImageMirror, mirroredImages, startImageMirror } from '@infra/image-mirror-sim';
import { embeddedHost, realHost } from '@infra/proxmox-connect';
import { installMediaVolume } from '@infra/validators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from './build';
import type { StepEvent } from './execute';
import { type Harness, startHarness } from './testing/harness';

// nixos/windows:build-image (install: iso) against the Proxmox VE simulator: the base stage puts the pinned
// install media on the `iso` storage, the golden stage (proxmox-iso) is decided as on the embedded host.
const MUTATING = new Set(['POST', 'PUT', 'DELETE']);
const repoRoot = resolve(import.meta.dirname, '../../..');

let h: Harness;
let mirror: ImageMirror;
let env: Environment;

const isoVolumes = async () =>
  (await h.client.storageContent('pve', 'local', { content: 'iso' })).map((v) => v.volid).sort();
const changing = async (mark: number) =>
  (await h.logSince(mark)).filter((e) => MUTATING.has(e.method)).map((e) => `${e.method} ${e.path}`);

beforeAll(async () => {
  h = await startHarness();
  // The repository's own catalog (nixos, windows), its media served by the image mirror, as on `local`.
  const catalog = await loadEnvironment('local', { file: join(repoRoot, 'infra.config.yaml') });
  mirror = await startImageMirror({ images: catalog.images });
  env = { ...h.env, images: mirroredImages(catalog.images, mirror) };
  h.connection = { ...h.connection, host: embeddedHost };
  for (const os of ['nixos', 'windows'])
    await cp(join(repoRoot, 'packer', os), join(h.dir, 'packer', os), { recursive: true });
});
afterAll(async () => {
  await mirror?.stop();
  await h?.stop();
});

describe('buildImage of an install: iso OS', () => {
  it('dry run: the exact downloads (content=iso, pinned checksum), nothing changed', async () => {
    const mark = await h.logMark();
    const dry = await buildImage(env, 'windows', { connection: h.connection, dryRun: true });
    expect(dry.status).toBe('dry-run');
    const params = (i: number) => (dry.steps[i]?.params ?? {}) as Record<string, string>;
    expect(dry.steps.map((s, i) => [s.method, s.path, params(i).content, params(i).filename])).toEqual([
      [
        'POST',
        '/nodes/pve/storage/local/download-url',
        'iso',
        expect.stringMatching(/^windows-2025-source-/),
      ],
      [
        'POST',
        '/nodes/pve/storage/local/download-url',
        'iso',
        expect.stringMatching(/^windows-2025-drivers-/),
      ],
    ]);
    const served = mirror.source('windows', 'drivers');
    expect(dry.steps[1]?.params).toMatchObject({
      url: served?.url,
      checksum: served?.checksum.slice('sha256:'.length),
      'checksum-algorithm': 'sha256',
    });
    expect(await changing(mark)).toEqual([]);
  });

  it('nixos: downloads the ISO once under its content-addressed name; the rebuild makes 0 changing requests', async () => {
    const mark = await h.logMark();
    const first = await buildImage(env, 'nixos', { connection: h.connection });
    const volid = installMediaVolume(env, 'nixos', 'source');
    expect(first).toMatchObject({
      status: 'built',
      media: [volid],
      golden: { status: 'skipped', reason: expect.stringContaining('runs no guests') },
    });
    expect(first.vmid).toBeUndefined();
    expect(await isoVolumes()).toEqual([volid]);
    expect(await changing(mark)).toEqual([
      'POST /nodes/pve/qemu', // the build lock
      'POST /nodes/pve/storage/local/download-url',
      'DELETE /nodes/pve/qemu/999999999',
    ]);
    expect(mirror.requests.filter((r) => r.includes('/nixos/source/'))).not.toEqual([]);

    const again = await h.logMark();
    const second = await buildImage(env, 'nixos', { connection: h.connection });
    expect(second).toMatchObject({ status: 'up-to-date', media: [volid], fingerprint: first.fingerprint });
    expect(second.proxmoxRequests).toMatchObject({ mutating: 0 });
    expect(await changing(again)).toEqual([]);
  });

  it('windows: a failed drivers download removes the install ISO this run downloaded, nothing else', async () => {
    const before = await isoVolumes();
    const onEvent = (event: StepEvent) => {
      if (event.type === 'start' && event.index === 1)
        h.sim.faults.add({ kind: 'task-failure', taskType: 'download', message: 'no space left', times: 1 });
    };
    const error = await buildImage(env, 'windows', { connection: h.connection, onEvent }).catch((e) => e);
    expect(error).toMatchObject({
      code: 'BUILD_FAILED',
      message: expect.stringContaining(`cleaned up: volume ${installMediaVolume(env, 'windows', 'source')}`),
    });
    expect(await isoVolumes()).toEqual(before); // the nixos ISO of the test before is not this run's

    const built = await buildImage(env, 'windows', { connection: h.connection });
    expect(built.media).toEqual([
      installMediaVolume(env, 'windows', 'source'),
      installMediaVolume(env, 'windows', 'drivers'),
    ]);
    const mark = await h.logMark();
    expect(await buildImage(env, 'windows', { connection: h.connection })).toMatchObject({
      status: 'up-to-date',
      proxmoxRequests: { mutating: 0 },
    });
    expect(await changing(mark)).toEqual([]);
  });

  it('a local copy (source.path): checked against the pin, then one error saying how to put it on the host', async () => {
    const file = join(h.dir, 'SERVER_EVAL_x64FRE_en-us.iso');
    await writeFile(file, 'not really an ISO, but pinned as one for this test\n');
    const sha256 = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    const windows = env.images.windows!;
    const withCopy = (checksum: string, path: string) => ({
      ...env,
      images: { windows: { ...windows, source: { url: windows.source.url, checksum, path } } },
    });
    const real = { ...h.connection, host: realHost };
    const mark = await h.logMark();
    const needed = withCopy(`sha256:${sha256}`, file);
    await expect(buildImage(needed, 'windows', { connection: real })).rejects.toMatchObject({
      code: 'ISO_UPLOAD_NEEDED',
      message: expect.stringContaining(installMediaVolume(needed, 'windows', 'source')),
      hint: expect.stringContaining(`checksum SHA256 ${sha256}`),
    });
    await expect(
      buildImage(withCopy(`sha256:${'0'.repeat(64)}`, file), 'windows', { connection: real }),
    ).rejects.toMatchObject({
      code: 'ISO_CHECKSUM_MISMATCH',
      message: expect.stringContaining(`images.windows.source.path: ${file} has sha256 ${sha256}`),
    });
    await expect(
      buildImage(withCopy(`sha256:${sha256}`, 'no/such.iso'), 'windows', { connection: real }),
    ).rejects.toMatchObject({
      code: 'ISO_LOCAL_COPY_MISSING',
      message: expect.stringContaining('no/such.iso'),
    });
    expect(await changing(mark)).toEqual([]);
  });

  it('a storage without iso content fails before any change, with the pvesm fix', async () => {
    const withoutIso = { ...env, proxmox: { ...env.proxmox, storage: { ...env.proxmox.storage } } };
    const config = (await h.client.storageConfig('local')) as { content?: string };
    const content = (config.content ?? '').split(',').filter((c) => c !== 'iso');
    await h.client.updateStorage('local', { content: content.join(',') });
    try {
      const mark = await h.logMark();
      await expect(
        buildImage({ ...withoutIso, images: { nixos: { ...env.images.nixos!, version: '99' } } }, 'nixos', {
          connection: { ...h.connection, host: realHost },
        }),
      ).rejects.toMatchObject({
        code: 'STORAGE_ISO_DISABLED',
        hint: expect.stringContaining(`pvesm set local --content ${content.join(',')},iso`),
      });
      expect(await changing(mark)).toEqual([]);
    } finally {
      await h.client.updateStorage('local', { content: config.content ?? '' });
    }
  });
});
