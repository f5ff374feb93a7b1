import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, waitForTask } from '../testing/client';
import { fakeQcow2, startTestSim, type TestSim } from '../testing/harness';

let t: TestSim;
let server: Server;
let base: string;
const image = fakeQcow2(8, 64 * 1024);
const iso = Buffer.from('not really an iso, but bytes are bytes\n'.repeat(100));
const files: Record<string, Buffer> = {
  '/talos.qcow2': image,
  '/gz-as-raw.raw': gzipSync(Buffer.from('raw disk bytes')),
  '/installer.iso.gz': gzipSync(iso),
  '/redirect': Buffer.alloc(0),
};
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  t = await startTestSim();
  server = createServer((req, res) => {
    if (req.url === '/redirect') return void res.writeHead(302, { Location: '/talos.qcow2' }).end();
    const body = files[req.url ?? ''];
    if (!body) return void res.writeHead(404, 'Not Found').end();
    res.writeHead(200, { 'Content-Length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // `import` is not enabled on `local` by default; enable it the way an admin would.
  expect(
    (await t.api('PUT', '/storage/local', { params: { content: 'iso,vztmpl,backup,snippets,import' } }))
      .status,
  ).toBe(200);
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function download(params: Record<string, unknown>) {
  return t.run('POST', '/nodes/pve/storage/local/download-url', { content: 'import', ...params });
}

async function taskLog(upid: string): Promise<string[]> {
  const res = await t.api('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/log`, {
    params: { limit: 500 },
  });
  return dataOf<Array<{ t: string }>>(res).map((l) => l.t);
}

describe('download-url', () => {
  it('downloads into the storage directory, checks the checksum, and lists the volume as import content', async () => {
    const status = await download({
      url: `${base}/talos.qcow2`,
      filename: 'talos.qcow2',
      checksum: sha256(image),
      'checksum-algorithm': 'sha256',
    });
    expect(status).toMatchObject({
      status: 'stopped',
      exitstatus: 'OK',
      type: 'download',
      id: 'talos.qcow2',
    });
    const stored = await readFile(join(t.dir, 'storage/local/import/talos.qcow2'));
    expect(stored.equals(image)).toBe(true);
    const log = await taskLog(status.upid as string);
    expect(log[0]).toBe(`downloading ${base}/talos.qcow2 to /var/lib/vz/import/talos.qcow2`);
    expect(log.at(-1)).toBe('TASK OK');
    const content = await t.api('GET', '/nodes/pve/storage/local/content', { params: { content: 'import' } });
    expect(content.body?.data).toEqual([
      expect.objectContaining({
        volid: 'local:import/talos.qcow2',
        content: 'import',
        format: 'qcow2',
        size: 8 * 1024 ** 3,
      }),
    ]);
  });

  it('refuses to overwrite an existing file without a checksum, and accepts it when the checksum matches', async () => {
    const again = await download({ url: `${base}/talos.qcow2`, filename: 'talos.qcow2' });
    expect(again.exitstatus).toBe("refusing to override existing file '/var/lib/vz/import/talos.qcow2'");
    const same = await download({
      url: `${base}/talos.qcow2`,
      filename: 'talos.qcow2',
      checksum: sha256(image),
      'checksum-algorithm': 'sha256',
    });
    expect(same.exitstatus).toBe('OK');
    expect(await taskLog(same.upid as string)).toContain('OK, got correct file already, no need to download');
  });

  it('fails the task on a checksum mismatch and leaves nothing behind', async () => {
    const wrong = 'a'.repeat(64);
    const status = await download({
      url: `${base}/talos.qcow2`,
      filename: 'other.qcow2',
      checksum: wrong,
      'checksum-algorithm': 'sha256',
    });
    expect(status.exitstatus).toBe(`checksum mismatch: got '${sha256(image)}' != expect '${wrong}'`);
    await expect(stat(join(t.dir, 'storage/local/import/other.qcow2'))).rejects.toThrow();
    const listed = await t.api('GET', '/nodes/pve/storage/local/content');
    expect(dataOf<Array<{ volid: string }>>(listed).map((v) => v.volid)).not.toContain(
      'local:import/other.qcow2',
    );
  });

  it('does not decompress import content, but decompresses ISOs when asked', async () => {
    const raw = await download({ url: `${base}/gz-as-raw.raw`, filename: 'disk.raw' });
    expect(raw.exitstatus).toBe('OK');
    expect(
      (await readFile(join(t.dir, 'storage/local/import/disk.raw'))).equals(files['/gz-as-raw.raw']!),
    ).toBe(true);
    const compressed = await download({
      url: `${base}/gz-as-raw.raw`,
      filename: 'disk2.raw',
      compression: 'gz',
    });
    expect(compressed.exitstatus).toBe('decompression not supported for import');
    const isoTask = await t.run('POST', '/nodes/pve/storage/local/download-url', {
      content: 'iso',
      url: `${base}/installer.iso.gz`,
      filename: 'installer.iso',
      compression: 'gz',
    });
    expect(isoTask.exitstatus).toBe('OK');
    expect((await readFile(join(t.dir, 'storage/local/template/iso/installer.iso'))).equals(iso)).toBe(true);
  });

  it('follows loopback redirects, reports HTTP errors in the task, and normalises file names', async () => {
    expect(
      (await download({ url: `${base}/redirect`, filename: 'sub/dir/re directed.qcow2' })).exitstatus,
    ).toBe('OK');
    expect(await stat(join(t.dir, 'storage/local/import/re_directed.qcow2'))).toBeTruthy();
    expect((await download({ url: `${base}/missing.qcow2`, filename: 'missing.qcow2' })).exitstatus).toBe(
      'download failed: 404 Not Found',
    );
  });

  it('checks file names per content type synchronously (400)', async () => {
    const res = await t.api('POST', '/nodes/pve/storage/local/download-url', {
      params: { content: 'import', url: `${base}/x`, filename: 'talos.raw.xz' },
    });
    expect([res.status, res.body?.errors]).toEqual([
      400,
      { filename: 'invalid filename or wrong extension' },
    ]);
    const isoName = await t.api('POST', '/nodes/pve/storage/local/download-url', {
      params: { content: 'iso', url: `${base}/x`, filename: 'x.qcow2' },
    });
    expect(isoName.body?.errors).toEqual({ filename: 'wrong file extension' });
  });

  it('never fetches from outside loopback (sandbox rule)', async () => {
    const res = await t.api('POST', '/nodes/pve/storage/local/download-url', {
      params: {
        content: 'import',
        url: 'https://factory.talos.dev/image/x/v1.13.9/nocloud-amd64.qcow2',
        filename: 'x.qcow2',
      },
    });
    expect(res.status).toBe(500);
    expect(res.body?.message).toContain('sandbox rule');
  });

  it('lets the client stop a running download task', async () => {
    const slow = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': 10_000_000 });
      res.write(Buffer.alloc(1000));
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow.qcow2`;
    const started = await t.api('POST', '/nodes/pve/storage/local/download-url', {
      params: { content: 'import', url, filename: 'slow.qcow2' },
    });
    const upid = dataOf<string>(started);
    await new Promise((r) => setTimeout(r, 50));
    expect((await t.api('DELETE', `/nodes/pve/tasks/${encodeURIComponent(upid)}`)).status).toBe(200);
    expect((await waitForTask(t.sim, t.root, upid)).exitstatus).toBe('interrupted by signal');
    slow.closeAllConnections();
    await new Promise<void>((resolve) => slow.close(() => resolve()));
  });
});
