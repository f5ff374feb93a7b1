import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf } from '../testing/client';
import { startTestSim, type TestSim } from '../testing/harness';

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim();
  t.sim.state.nodes.pve2 = { ...t.sim.state.nodes.pve!, online: false };
});
afterAll(() => t.close());

describe('envelope and status codes', () => {
  it('wraps results in {data} with PVE’s headers', async () => {
    const res = await t.api('GET', '/version');
    expect(res.body).toEqual({ data: { version: '9.0.3', release: '9.0', repoid: '025864202ebb6109' } });
    expect(res.headers.server).toBe('pve-api-daemon/3.0');
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.headers['cache-control']).toBe('max-age=0');
  });

  it('answers invalid parameters with 400 Parameter verification failed. and the per-parameter errors', async () => {
    const res = await t.api('POST', '/nodes/pve/qemu', { params: { vmid: 'abc', bogus: 1, agent: 'true' } });
    expect(res.status).toBe(400);
    expect(res.statusMessage).toBe('Parameter verification failed.');
    expect(res.body).toEqual({
      data: null,
      message: 'Parameter verification failed.\n',
      errors: {
        vmid: "type check ('integer') failed - got 'abc'",
        bogus: 'property is not defined in schema and the schema does not allow additional properties',
        agent: expect.stringContaining('invalid format'),
      },
    });
    expect(res.headers.connection).toBe('close');
    const missing = await t.api('POST', '/nodes/pve/storage/local/download-url', {
      params: { url: 'http://127.0.0.1/x.iso' },
    });
    expect(missing.body?.errors).toMatchObject({
      content: 'property is missing and it is not optional',
      filename: 'property is missing and it is not optional',
    });
  });

  it('accepts JSON bodies with real booleans and form bodies with 0/1 only', async () => {
    const json = await t.api('POST', '/nodes/pve/qemu', {
      json: true,
      params: { vmid: 120, onboot: true, cores: 2 },
    });
    expect(json.status).toBe(200);
    const form = await t.api('POST', '/nodes/pve/qemu', { params: { vmid: 121, onboot: 'true' } });
    expect(form.body?.errors).toEqual({ onboot: "type check ('boolean') failed - got 'true'" });
  });

  it('answers unknown paths and methods with 501 and PVE’s text', async () => {
    const res = await t.api('GET', '/nodes/pve/foo');
    expect(res.status).toBe(501);
    expect(res.body).toEqual({ data: null, message: "Method 'GET /nodes/pve/foo' not implemented\n" });
    expect((await t.api('PATCH', '/version')).status).toBe(501);
  });

  it('refuses a body on GET', async () => {
    const { request } = await import('node:https');
    const status = await new Promise<[number, string]>((resolve, reject) => {
      const req = request(
        new URL('/api2/json/version', t.sim.url),
        {
          method: 'GET',
          ca: t.sim.caPem,
          headers: {
            Authorization: t.root,
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': '3',
          },
        },
        (res) => {
          res.resume();
          resolve([res.statusCode ?? 0, res.statusMessage ?? '']);
        },
      );
      req.on('error', reject);
      req.end('a=1');
    });
    expect(status).toEqual([501, "Unexpected content for method 'GET'"]);
  });

  it('gzips large bodies when asked', async () => {
    const res = await t.api('GET', '/nodes/pve/hardware/pci');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(dataOf<unknown[]>(res).length).toBeGreaterThan(5);
  });

  it('maps node names like pveproxy: unknown → 500, FQDN → 596, offline → 595', async () => {
    const unknown = await t.api('GET', '/nodes/nosuch/storage');
    expect([unknown.status, unknown.body?.message]).toEqual([
      500,
      "hostname lookup 'nosuch' failed - failed to get address info for: nosuch: Name or service not known\n",
    ]);
    const fqdn = await t.api('GET', '/nodes/pve.lan/storage');
    expect(fqdn.status).toBe(596);
    expect(fqdn.statusMessage).toContain('certificate verify failed');
    const offline = await t.api('GET', '/nodes/pve2/storage');
    expect(offline.status).toBe(595);
  });

  it('reports a missing VM and a missing task with PVE’s texts', async () => {
    const vm = await t.api('GET', '/nodes/pve/qemu/4242/config');
    expect([vm.status, vm.body?.message]).toEqual([
      500,
      "Configuration file 'nodes/pve/qemu-server/4242.conf' does not exist\n",
    ]);
    const start = await t.api('POST', '/nodes/pve/qemu/4242/status/start');
    expect(start.body?.message).toBe("unable to find configuration file for VM 4242 on node 'pve'\n");
    const task = await t.api(
      'GET',
      `/nodes/pve/tasks/${encodeURIComponent('UPID:pve:00000001:00000001:00000001:qmcreate:1:root@pam:')}/status`,
    );
    expect([task.status, task.body?.errors]).toEqual([400, { upid: 'no such task' }]);
    const garbage = await t.api('GET', '/nodes/pve/tasks/nonsense/status');
    expect(garbage.body?.errors).toEqual({ upid: 'unable to parse worker upid' });
  });

  it('hands out free VMIDs as strings and refuses taken ones', async () => {
    await t.run('POST', '/nodes/pve/qemu', { vmid: 100 });
    expect((await t.api('GET', '/cluster/nextid')).body?.data).toBe('101');
    const taken = await t.api('GET', '/cluster/nextid', { params: { vmid: 100 } });
    expect([taken.status, taken.body?.errors]).toEqual([400, { vmid: 'VM 100 already exists' }]);
    expect((await t.api('GET', '/cluster/nextid', { params: { vmid: 5000 } })).body?.data).toBe('5000');
  });
});
