import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, waitForTask } from '../testing/client';
import { startTestSim, type TestSim } from '../testing/harness';
import { resizeTarget } from './qemu-resize';

// PUT /nodes/{node}/qemu/{vmid}/resize with qemu-server's rules: grow only, `+N` or absolute, units K/M/G/T.
const GiB = 1024 ** 3;
let t: TestSim;

beforeAll(async () => {
  t = await startTestSim();
  const created = await t.run('POST', '/nodes/pve/qemu', {
    vmid: 100,
    name: 'resize-me',
    scsi0: 'local-lvm:2,iothread=1',
    ide2: 'none,media=cdrom',
  });
  expect(created.exitstatus).toBe('OK');
});
afterAll(() => t.close());

const scsi0 = async () =>
  String(dataOf<Record<string, unknown>>(await t.api('GET', '/nodes/pve/qemu/100/config')).scsi0);
const volumeSize = async () =>
  dataOf<Array<{ volid: string; size: number }>>(
    await t.api('GET', '/nodes/pve/storage/local-lvm/content'),
  )[0]?.size;
const resize = async (disk: string, size: string) => {
  const res = await t.api('PUT', '/nodes/pve/qemu/100/resize', { params: { disk, size } });
  if (res.status !== 200) return { status: res.status, text: res.text };
  return waitForTask(t.sim, t.root, res.body!.data as string);
};

describe('resize target (pure)', () => {
  it('adds with +, takes absolute sizes otherwise, knows K/M/G/T and fractions', () => {
    expect(resizeTarget('16G', 2 * GiB)).toBe(16 * GiB);
    expect(resizeTarget('+1G', 2 * GiB)).toBe(3 * GiB);
    expect(resizeTarget('+512M', 0)).toBe(512 * 1024 ** 2);
    expect(resizeTarget('1T', 0)).toBe(1024 * GiB);
    expect(resizeTarget('4096K', 0)).toBe(4 * 1024 ** 2);
    expect(resizeTarget('1.5G', 0)).toBe(1.5 * GiB);
    expect(resizeTarget('1000', 0)).toBe(1000);
  });
});

describe('PUT /nodes/{node}/qemu/{vmid}/resize', () => {
  it('grows to an absolute size: a resize task, the volume and the drive string carry the new size', async () => {
    expect(await scsi0()).toMatch(/size=2G/);
    const task = await resize('scsi0', '16G');
    expect(task).toMatchObject({ exitstatus: 'OK', type: 'resize', id: '100' });
    expect(await scsi0()).toMatch(/^local-lvm:vm-100-disk-0,iothread=1,size=16G$/);
    expect(await volumeSize()).toBe(16 * GiB);
  });

  it('grows by +N', async () => {
    expect(await resize('scsi0', '+512M')).toMatchObject({ exitstatus: 'OK' });
    expect(await scsi0()).toMatch(/size=16896M/);
    expect(await volumeSize()).toBe(16 * GiB + 512 * 1024 ** 2);
  });

  it('the same size is a successful no-op; shrinking fails in the task with PVE text and changes nothing', async () => {
    expect(await resize('scsi0', '16896M')).toMatchObject({ exitstatus: 'OK' });
    expect(await resize('scsi0', '8G')).toMatchObject({ exitstatus: 'shrinking disks is not supported' });
    expect(await volumeSize()).toBe(16 * GiB + 512 * 1024 ** 2);
  });

  it('a missing disk, a CD-ROM, a bad size string and a locked VM are refused', async () => {
    expect(await resize('scsi1', '1G')).toMatchObject({ exitstatus: "disk 'scsi1' does not exist" });
    expect(await resize('ide2', '1G')).toMatchObject({ exitstatus: "you can't resize a cdrom" });
    expect(await resize('scsi0', '-1G')).toMatchObject({
      status: 400,
      text: expect.stringContaining('value does not match the regex pattern'),
    });
    expect(await resize('nvme0', '1G')).toMatchObject({ status: 400 });
    t.sim.state.vms['100']!.config.lock = 'backup';
    expect(await resize('scsi0', '+1G')).toMatchObject({ exitstatus: 'VM is locked (backup)' });
    delete t.sim.state.vms['100']!.config.lock;
  });

  it('needs VM.Config.Disk on the VM', async () => {
    const { header } = await t.sim.issueToken('auditor@pve!t', {
      privsep: false,
      roles: [{ path: '/', roleid: 'PVEAuditor' }],
    });
    const res = await t.api('PUT', '/nodes/pve/qemu/100/resize', {
      auth: header,
      params: { disk: 'scsi0', size: '+1G' },
    });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Permission check failed (/vms/100, VM.Config.Disk)');
  });
});
