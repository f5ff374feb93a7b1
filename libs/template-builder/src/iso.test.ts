import { createHash, randomBytes } from 'node:crypto';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
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

/** The Windows entry with `source.path` set (the user's local evaluation ISO) and the given pin. */
const withLocalCopy = (path: string) => (checksum: string) => {
  const windows = env.images.windows!;
  return { ...env, images: { windows: { ...windows, source: { url: windows.source.url, checksum, path } } } };
};

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

  it('a local copy (source.path): checked against the pin, uploaded once, then found (0 changing requests)', async () => {
    const file = join(h.dir, 'SERVER_EVAL_x64FRE_en-us.iso');
    const bytes = Buffer.concat([
      Buffer.from('a generated stand-in for the evaluation ISO\n'),
      randomBytes(512 * 1024),
    ]);
    await writeFile(file, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const withCopy = withLocalCopy(file);
    const local = withCopy(`sha256:${sha256}`);
    const volid = installMediaVolume(local, 'windows', 'source');
    expect(volid).toContain(sha256.slice(0, 12));

    const dry = await buildImage(local, 'windows', { connection: h.connection, dryRun: true });
    expect(dry.steps.map((s) => [s.kind, s.method, s.path, s.params])).toEqual([
      [
        'upload',
        'POST',
        '/nodes/pve/storage/local/upload',
        {
          content: 'iso',
          filename: volid.slice('local:iso/'.length),
          checksum: sha256,
          'checksum-algorithm': 'sha256',
        },
      ],
    ]);

    const mark = await h.logMark();
    const built = await buildImage(local, 'windows', { connection: h.connection });
    expect(built).toMatchObject({
      status: 'built',
      media: [volid, installMediaVolume(local, 'windows', 'drivers')],
    });
    expect(await changing(mark)).toEqual([
      'POST /nodes/pve/qemu', // the build lock
      'POST /nodes/pve/storage/local/upload',
      'DELETE /nodes/pve/qemu/999999999',
    ]);
    // Proxmox holds exactly the user's bytes under the content-addressed name.
    const stored = await readFile(
      join(h.dir, 'sim/storage/local/template/iso', volid.slice('local:iso/'.length)),
    );
    expect(stored.equals(bytes)).toBe(true);

    const again = await h.logMark();
    expect(await buildImage(local, 'windows', { connection: h.connection })).toMatchObject({
      status: 'up-to-date',
      proxmoxRequests: { mutating: 0 },
    });
    expect(await changing(again)).toEqual([]);

    // Bad local copies are the user's to fix, before any change.
    const bad = await h.logMark();
    await expect(
      buildImage(withCopy(`sha256:${'0'.repeat(64)}`), 'windows', { connection: h.connection }),
    ).rejects.toMatchObject({
      code: 'ISO_CHECKSUM_MISMATCH',
      message: expect.stringContaining(`images.windows.source.path: ${file} has sha256 ${sha256}`),
    });
    await expect(
      buildImage(withLocalCopy('no/such.iso')(`sha256:${sha256.replace(/^./, 'f')}`), 'windows', {
        connection: h.connection,
      }),
    ).rejects.toMatchObject({
      code: 'ISO_LOCAL_COPY_MISSING',
      message: expect.stringContaining('no/such.iso'),
    });
    expect(await changing(bad)).toEqual([]);
  });

  it('a failure after the upload removes the ISO this run uploaded (its task ended OK), nothing else', async () => {
    const file = join(h.dir, 'uploaded-then-failed.iso');
    const bytes = randomBytes(256 * 1024);
    await writeFile(file, bytes);
    const local = withLocalCopy(file)(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    // A drivers pin the mirror's file does not match: Proxmox's download task fails on the checksum.
    const windows = local.images.windows!;
    const broken = {
      ...local,
      images: {
        windows: { ...windows, drivers: { url: windows.drivers!.url, checksum: `sha256:${'1'.repeat(64)}` } },
      },
    };
    const uploaded = installMediaVolume(broken, 'windows', 'source');
    const before = await isoVolumes();
    const mark = await h.logMark();
    const error = await buildImage(broken, 'windows', { connection: h.connection }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'BUILD_FAILED',
      message: expect.stringContaining(`cleaned up: volume ${uploaded}`),
    });
    expect(await changing(mark)).toEqual([
      'POST /nodes/pve/qemu', // the build lock
      'POST /nodes/pve/storage/local/upload',
      'POST /nodes/pve/storage/local/download-url',
      `DELETE /nodes/pve/storage/local/content/${uploaded}`,
      'DELETE /nodes/pve/qemu/999999999',
    ]);
    expect(await isoVolumes()).toEqual(before);
  });

  it('an interrupted upload (mid-stream, or during the imgcopy task) leaves no volume and no temp file', async () => {
    const file = join(h.dir, 'interrupted.iso');
    const bytes = randomBytes(16 * 1024 * 1024);
    await writeFile(file, bytes);
    const local = withLocalCopy(file)(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    const volid = installMediaVolume(local, 'windows', 'source');
    const before = await isoVolumes();
    const imgcopies = () => h.sim.state.tasks.filter((t) => t.type === 'imgcopy').length;
    const copiesBefore = imgcopies();

    // 1. While the file streams: the POST is cut off, Proxmox drops its temp file.
    const duringStream = new AbortController();
    const streamed = await buildImage(local, 'windows', {
      connection: h.connection,
      signal: duringStream.signal,
      onEvent: (e) => {
        if (e.type === 'start' && e.step.kind === 'upload')
          setTimeout(() => duringStream.abort(new Error('SIGINT')), 5);
      },
    }).catch((e: unknown) => e);
    expect(streamed).toMatchObject({ code: 'BUILD_INTERRUPTED' });
    expect(imgcopies()).toBe(copiesBefore); // cut off before Proxmox had the whole file: no task at all

    // 2. While Proxmox's imgcopy task runs: the task is stopped and its file removed.
    h.sim.timing.taskMs = 3_000;
    const duringTask = new AbortController();
    const progress: string[] = [];
    const tasked = await buildImage(local, 'windows', {
      connection: h.connection,
      signal: duringTask.signal,
      onEvent: (e) => {
        if (e.type === 'progress' && e.step.kind === 'upload') progress.push(e.message);
        // The task's own progress (not the "sent n%" of the stream) means Proxmox has the whole file.
        if (e.type === 'progress' && e.step.kind === 'upload' && e.message.startsWith('imgcopy task'))
          duringTask.abort(new Error('SIGINT'));
      },
    })
      .catch((e: unknown) => e)
      .finally(() => {
        h.sim.timing.taskMs = 20;
      });
    expect(tasked).toMatchObject({
      code: 'BUILD_INTERRUPTED',
      message: expect.stringContaining('interrupted during step "upload'),
    });
    expect(progress).toContain('sent 100% of 16.0 MiB');
    expect(
      h.sim.state.tasks.some((t) => t.type === 'imgcopy' && t.exitstatus === 'interrupted by signal'),
    ).toBe(true);

    expect(await isoVolumes()).toEqual(before);
    expect(await isoVolumes()).not.toContain(volid);
    expect(await readdir(join(h.dir, 'sim/tmp')).catch(() => [])).toEqual([]);
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
