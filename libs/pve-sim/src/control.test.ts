import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ensureSimAccounts,
  findRunning,
  issueSimToken,
  parseFaultsArgument,
  resetSim,
  setSimPassword,
} from './control';
import { startSimulator } from './simulator';
import { dataOf, simRequest } from './testing/client';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('controlling a simulator from another process', () => {
  it('issues tokens, sets passwords and resets through the admin endpoints while it runs, and offline when not', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'pve-sim-control-'));
    dirs.push(stateDir);
    const sim = await startSimulator({ stateDir, timing: { taskMs: 10 } });
    expect(await findRunning(stateDir)).toMatchObject({
      url: sim.url,
      pid: process.pid,
      fingerprint: sim.fingerprint,
    });

    const secret = await issueSimToken(stateDir, {
      id: 'ops@pve!cli',
      roles: [{ path: '/', roleid: 'PVEAuditor' }],
    });
    const auth = `PVEAPIToken=ops@pve!cli=${secret}`;
    expect(dataOf<unknown[]>(await simRequest(sim, 'GET', '/nodes/pve/storage', { auth }))).toHaveLength(2);
    expect((await simRequest(sim, 'POST', '/nodes/pve/qemu', { auth, params: { vmid: 100 } })).status).toBe(
      403,
    );

    await setSimPassword(stateDir, 'root@pam', 'a-long-password');
    expect(
      (
        await simRequest(sim, 'POST', '/access/ticket', {
          params: { username: 'root@pam', password: 'a-long-password' },
        })
      ).status,
    ).toBe(200);

    await ensureSimAccounts(stateDir, {
      users: [{ userid: 'infra@pve' }],
      tokens: [{ id: 'infra@pve!build', secret: 'build-secret-1', privsep: false }],
      acl: [{ path: '/', roleid: 'Administrator', ugid: 'infra@pve' }],
    });
    expect(
      (
        await simRequest(sim, 'GET', '/nodes/pve/hardware/pci', {
          auth: 'PVEAPIToken=infra@pve!build=build-secret-1',
        })
      ).status,
    ).toBe(200);

    await resetSim(stateDir);
    expect((await simRequest(sim, 'GET', '/version', { auth })).status).toBe(401);
    await sim.stop();
    expect(await findRunning(stateDir)).toBeNull();

    const offline = await issueSimToken(stateDir, { id: 'root@pam!offline' });
    const again = await startSimulator({ stateDir });
    expect(
      (await simRequest(again, 'GET', '/version', { auth: `PVEAPIToken=root@pam!offline=${offline}` }))
        .status,
    ).toBe(200);
    await again.stop();
  });

  it('parses --faults as JSON or @file and explains bad rules', async () => {
    expect(await parseFaultsArgument('{"kind":"latency","ms":50}')).toEqual([{ kind: 'latency', ms: 50 }]);
    await expect(parseFaultsArgument('[{"kind":"explode"}]')).rejects.toMatchObject({
      code: 'SIM_FAULTS_INVALID',
    });
    await expect(parseFaultsArgument('not json')).rejects.toMatchObject({ code: 'SIM_FAULTS_INVALID' });
  });

  it('rejects bad options with an InfraError naming the field', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'pve-sim-control-'));
    dirs.push(stateDir);
    const badToken = startSimulator({ stateDir, accounts: { tokens: [{ id: 'no-realm!x', secret: 's' }] } });
    await expect(badToken).rejects.toMatchObject({
      code: 'SIM_OPTIONS_INVALID',
      message: expect.stringContaining('accounts.tokens.0.id'),
    });
    const badFault = startSimulator({ stateDir, faults: [{ kind: 'error', status: 200 } as never] });
    await expect(badFault).rejects.toMatchObject({
      code: 'SIM_OPTIONS_INVALID',
      message: expect.stringContaining('faults.0.status'),
    });
  });
});
