import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, waitForTask } from '../testing/client';
import { startTestSim, type TestSim } from '../testing/harness';

let t: TestSim;
const iso = Buffer.from('ISO bytes for the upload test\n'.repeat(4000));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const BOUNDARY = 'sim-upload-test-boundary';

/** A body shaped like the PVE GUI's and bpg's: text fields, then the file part named `filename`. */
function multipart(fields: Record<string, string>, file: { name: string; bytes: Buffer }): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  parts.push(
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="filename"; filename="${file.name}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    file.bytes,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  );
  return Buffer.concat(parts);
}

const upload = (body: Buffer, storage = 'local') =>
  t.api('POST', `/nodes/pve/storage/${storage}/upload`, {
    rawBody: body,
    headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` },
  });

const tmpFiles = async () => readdir(join(t.dir, 'tmp')).catch(() => [] as string[]);

async function taskLog(upid: string): Promise<string[]> {
  const res = await t.api('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/log`, {
    params: { limit: 500 },
  });
  return dataOf<Array<{ t: string }>>(res).map((l) => l.t);
}

beforeAll(async () => {
  t = await startTestSim();
});
afterAll(async () => {
  await t.close();
});

describe('storage upload (multipart, as pveproxy receives it)', () => {
  it('stores the file part as ISO content after verifying its checksum, in an imgcopy task', async () => {
    const res = await upload(
      multipart(
        { content: 'iso', checksum: sha256(iso), 'checksum-algorithm': 'sha256' },
        { name: 'win.iso', bytes: iso },
      ),
    );
    expect(res.status).toBe(200);
    const upid = res.body?.data as string;
    expect(upid).toMatch(/^UPID:pve:.*:imgcopy::/);
    const status = await waitForTask(t.sim, t.root, upid);
    expect(status).toMatchObject({ exitstatus: 'OK', type: 'imgcopy' });
    expect((await readFile(join(t.dir, 'storage/local/template/iso/win.iso'))).equals(iso)).toBe(true);
    const log = await taskLog(upid);
    expect(log).toContain('calculating checksum...OK, checksum verified');
    expect(log).toContain('target file: /var/lib/vz/template/iso/win.iso');
    const content = await t.api('GET', '/nodes/pve/storage/local/content', { params: { content: 'iso' } });
    expect(content.body?.data).toEqual([
      expect.objectContaining({ volid: 'local:iso/win.iso', format: 'iso', size: iso.length }),
    ]);
    expect(await tmpFiles()).toEqual([]);
  });

  it('fails the task on a checksum mismatch and keeps neither the volume nor the temp file', async () => {
    const res = await upload(
      multipart(
        { content: 'iso', checksum: sha256(Buffer.from('other')), 'checksum-algorithm': 'sha256' },
        { name: 'bad.iso', bytes: iso },
      ),
    );
    const status = await waitForTask(t.sim, t.root, res.body?.data as string);
    expect(String(status.exitstatus)).toBe(
      `checksum mismatch: got '${sha256(iso)}' != expect '${sha256(Buffer.from('other'))}'`,
    );
    const content = await t.api('GET', '/nodes/pve/storage/local/content', { params: { content: 'iso' } });
    expect(dataOf<Array<{ volid: string }>>(content).map((v) => v.volid)).not.toContain('local:iso/bad.iso');
    expect(await tmpFiles()).toEqual([]);
  });

  it('refuses a content type the storage lacks, a wrong extension and a non-file storage, removing the temp file', async () => {
    const images = await upload(multipart({ content: 'import' }, { name: 'disk.qcow2', bytes: iso }));
    expect(images.status).toBe(500);
    expect(images.body?.message).toContain("storage 'local' does not support 'import' content");
    const ext = await upload(multipart({ content: 'iso' }, { name: 'win.exe', bytes: iso }));
    expect(ext.status).toBe(400);
    expect(ext.body?.errors).toEqual({ filename: 'wrong file extension' });
    const lvm = await upload(multipart({ content: 'iso' }, { name: 'win.iso', bytes: iso }), 'local-lvm');
    expect(lvm.status).toBe(500);
    expect(lvm.body?.message).toContain("can't upload to storage type 'lvmthin'");
    expect(await tmpFiles()).toEqual([]);
  });

  it('overwrites an existing file of the same name, as pve-storage does', async () => {
    const newer = Buffer.from('a newer build of the same name\n');
    const res = await upload(multipart({ content: 'iso' }, { name: 'win.iso', bytes: newer }));
    expect(await waitForTask(t.sim, t.root, res.body?.data as string)).toMatchObject({ exitstatus: 'OK' });
    expect((await readFile(join(t.dir, 'storage/local/template/iso/win.iso'))).equals(newer)).toBe(true);
    const content = await t.api('GET', '/nodes/pve/storage/local/content', { params: { content: 'iso' } });
    expect(content.body?.data).toEqual([
      expect.objectContaining({ volid: 'local:iso/win.iso', size: newer.length }),
    ]);
  });

  it('needs Datastore.AllocateTemplate on the storage (403), and the refused body leaves no temp file', async () => {
    const { header } = await t.sim.issueToken('root@pam!auditor', {
      privsep: true,
      roles: [{ path: '/', roleid: 'PVEAuditor' }],
    });
    const res = await t.api('POST', '/nodes/pve/storage/local/upload', {
      auth: header,
      rawBody: multipart({ content: 'iso' }, { name: 'denied.iso', bytes: iso }),
      headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` },
    });
    expect(res.status).toBe(403);
    expect(res.statusMessage).toContain('Datastore.AllocateTemplate');
    expect(await tmpFiles()).toEqual([]);
  });

  it('refuses a client-chosen tmpfilename outside a multipart upload', async () => {
    const res = await t.api('POST', '/nodes/pve/storage/local/upload', {
      params: { content: 'iso', filename: 'x.iso', tmpfilename: '/var/tmp/pveupload-abc' },
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body?.errors ?? {})).toEqual(['tmpfilename']);
  });

  it('leaves nothing behind when the client breaks off mid-upload', async () => {
    const body = multipart({ content: 'iso' }, { name: 'cut.iso', bytes: iso });
    const url = new URL('/api2/json/nodes/pve/storage/local/upload', t.sim.url);
    let sawTempFile = false;
    await new Promise<void>((resolve) => {
      const req = request(url, {
        method: 'POST',
        ca: t.sim.caPem,
        agent: false,
        headers: {
          Authorization: t.root,
          'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
          'Content-Length': String(body.length),
        },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(body.subarray(0, body.length / 2), async () => {
        // Break off only once the server is demonstrably writing the file part to its temp file.
        for (let i = 0; i < 100 && !sawTempFile; i++) {
          sawTempFile = (await tmpFiles()).length > 0;
          if (!sawTempFile) await new Promise((r) => setTimeout(r, 10));
        }
        req.destroy();
      });
    });
    expect(sawTempFile).toBe(true);
    // The server notices the reset and removes its temp file.
    for (let i = 0; i < 50 && (await tmpFiles()).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await tmpFiles()).toEqual([]);
    const content = await t.api('GET', '/nodes/pve/storage/local/content', { params: { content: 'iso' } });
    expect(dataOf<Array<{ volid: string }>>(content).map((v) => v.volid)).not.toContain('local:iso/cut.iso');
  });
});
