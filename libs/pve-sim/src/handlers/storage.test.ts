import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf } from '../testing/client';
import { startTestSim, type TestSim } from '../testing/harness';

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim();
});
afterAll(() => t.close());

const download = (storage: string) =>
  t.api('POST', `/nodes/pve/storage/${storage}/download-url`, {
    params: { content: 'import', url: 'http://127.0.0.1:9/x.qcow2', filename: 'x.qcow2' },
  });

describe('storage content rules', () => {
  it('starts like a fresh PVE install: local holds iso/vztmpl/backup/snippets, local-lvm images/rootdir', async () => {
    const res = await t.api('GET', '/nodes/pve/storage');
    const byId = Object.fromEntries(
      dataOf<Array<{ storage: string; content: string; type: string }>>(res).map((s) => [s.storage, s]),
    );
    expect(byId.local).toMatchObject({ type: 'dir', content: 'iso,vztmpl,backup,snippets', active: 1 });
    expect(byId['local-lvm']).toMatchObject({ type: 'lvmthin', content: 'images,rootdir' });
    expect((await t.api('GET', '/nodes/pve/storage', { params: { content: 'import' } })).body?.data).toEqual(
      [],
    );
  });

  it('refuses downloads to a storage without import content, to block storage, and to unknown storage', async () => {
    const local = await download('local');
    expect([local.status, local.body?.message]).toEqual([
      500,
      "storage 'local' is not configured for content-type 'import'\n",
    ]);
    const lvm = await download('local-lvm');
    expect(lvm.body?.message).toBe("can't upload to storage type 'lvmthin', not a file based storage!\n");
    const missing = await download('nope');
    expect([missing.status, missing.body?.message]).toEqual([500, "storage 'nope' does not exist\n"]);
  });

  it('enables import content with PUT /storage/{id}, and refuses content the storage type cannot hold', async () => {
    const bad = await t.api('PUT', '/storage/local-lvm', { params: { content: 'images,import' } });
    expect([bad.status, bad.body?.message]).toEqual([
      500,
      "storage does not support content type 'import'\n",
    ]);
    const config = await t.api('GET', '/storage/local');
    const digest = dataOf<{ digest: string }>(config).digest;
    expect(
      (
        await t.api('PUT', '/storage/local', {
          params: { content: 'iso,vztmpl,backup,snippets,import', digest },
        })
      ).status,
    ).toBe(200);
    const stale = await t.api('PUT', '/storage/local', { params: { content: 'iso', digest } });
    expect(stale.body?.message).toBe(
      'detected modified configuration - file changed by other user? Try again.\n',
    );
    const listed = await t.api('GET', '/nodes/pve/storage', { params: { content: 'import' } });
    expect(dataOf<Array<{ storage: string }>>(listed).map((s) => s.storage)).toEqual(['local']);
    expect((await download('local')).status).toBe(200);
  });

  it('puts VM disks only on storages with images content', async () => {
    const dir = await t.api('POST', '/nodes/pve/qemu', { params: { vmid: 200, scsi0: 'local:8' } });
    expect([dir.status, dir.body?.errors]).toEqual([
      400,
      { storage: "storage 'local' does not support vm images" },
    ]);
    const missing = await t.api('POST', '/nodes/pve/qemu', { params: { vmid: 200, scsi0: 'nope:8' } });
    expect(missing.body?.message).toBe("storage 'nope' does not exist\n");
  });

  it('allocates, shows and frees volumes through the content API', async () => {
    const alloc = await t.api('POST', '/nodes/pve/storage/local-lvm/content', {
      params: { vmid: 777, filename: 'vm-777-disk-0', size: '4G' },
    });
    expect(alloc.body?.data).toBe('local-lvm:vm-777-disk-0');
    const info = await t.api(
      'GET',
      `/nodes/pve/storage/local-lvm/content/${encodeURIComponent('local-lvm:vm-777-disk-0')}`,
    );
    expect(info.body?.data).toMatchObject({
      size: 4 * 1024 ** 3,
      format: 'raw',
      path: '/dev/pve/vm-777-disk-0',
    });
    const status = await t.api('GET', '/nodes/pve/storage/local-lvm/status');
    expect(dataOf<{ used: number }>(status).used).toBe(4 * 1024 ** 3);
    await t.run(
      'DELETE',
      `/nodes/pve/storage/local-lvm/content/${encodeURIComponent('local-lvm:vm-777-disk-0')}`,
    );
    expect((await t.api('GET', '/nodes/pve/storage/local-lvm/content')).body?.data).toEqual([]);
  });
});
