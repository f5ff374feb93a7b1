import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from './request-log';
import { simRequest } from './testing/client';
import { startTestSim, type TestSim } from './testing/harness';

let t: TestSim;
let logDir: string;
const PASSWORD = 'hunter2-but-longer';

beforeAll(async () => {
  logDir = await mkdtemp(join(tmpdir(), 'pve-sim-log-'));
  process.env.PVE_SIM_LOG = join(logDir, 'requests.jsonl');
  t = await startTestSim({ accounts: { users: [{ userid: 'root@pam', password: PASSWORD }] } });
  delete process.env.PVE_SIM_LOG;
});
afterAll(async () => {
  await t.close();
  await rm(logDir, { recursive: true, force: true });
});

describe('PVE_SIM_LOG request log', () => {
  it('records method, path, parameter names and status — never values or secrets', async () => {
    await t.api('GET', '/version');
    await t.api('POST', '/nodes/pve/qemu', {
      params: { vmid: 130, cipassword: 'cloud-secret-pw', sshkeys: 'ssh-ed25519%20AAAAkey' },
    });
    await simRequest(t.sim, 'POST', '/access/ticket', {
      params: { username: 'root@pam', password: PASSWORD },
    });
    await simRequest(t.sim, 'GET', '/version', { auth: 'PVEAPIToken=root@pam!test=wrong-secret-value' });
    await t.api('PUT', '/nodes/pve/qemu/130/config', { params: { cores: 'many' } });
    await t.api('GET', '/nodes/pve/tasks');
    await t.sim.stop();

    const text = await readFile(join(logDir, 'requests.jsonl'), 'utf8');
    const entries = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RequestLogEntry);
    expect(entries.map((e) => [e.method, e.path, e.params, e.status])).toEqual([
      ['GET', '/version', [], 200],
      ['POST', '/nodes/pve/qemu', ['cipassword', 'sshkeys', 'vmid'], 200],
      ['POST', '/access/ticket', ['password', 'username'], 200],
      ['GET', '/version', [], 401],
      ['PUT', '/nodes/pve/qemu/130/config', ['cores'], 400],
      ['GET', '/nodes/pve/tasks', [], 200],
    ]);
    // The official schema's verdict on what was sent: names of the failing parameters only.
    expect(entries.map((e) => [e.schema, e.schemaErrors])).toEqual([
      ['valid', undefined],
      ['valid', undefined],
      ['valid', undefined],
      ['valid', undefined],
      ['invalid', ['cores']],
      ['unlisted', undefined],
    ]);
    expect(entries[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    for (const secret of [
      PASSWORD,
      'cloud-secret-pw',
      'AAAAkey',
      'wrong-secret-value',
      t.root.split('=').pop()!,
    ])
      expect(text).not.toContain(secret);
  });
});
