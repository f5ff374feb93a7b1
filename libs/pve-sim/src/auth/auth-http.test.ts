import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, simRequest } from '../testing/client';
import { startTestSim, type TestSim } from '../testing/harness';

let t: TestSim;
const PASSWORD = 'correct horse battery staple';
const LIMITED_SECRET = '11111111-2222-3333-4444-555555555555';
const LIMITED = `PVEAPIToken=builder@pve!ci=${LIMITED_SECRET}`;

beforeAll(async () => {
  t = await startTestSim({
    accounts: {
      users: [{ userid: 'root@pam', password: PASSWORD }, { userid: 'builder@pve' }],
      tokens: [{ id: 'builder@pve!ci', secret: LIMITED_SECRET, privsep: false }],
      acl: [
        { path: '/vms', ugid: 'builder@pve', roleid: 'PVEVMAdmin' },
        { path: '/storage', ugid: 'builder@pve', roleid: 'PVEDatastoreUser' },
        { path: '/sdn', ugid: 'builder@pve', roleid: 'PVESDNUser' },
        { path: '/mapping/pci/gpu', ugid: 'builder@pve', roleid: 'PVEMappingUser' },
      ],
    },
  });
});
afterAll(() => t.close());

describe('API token authentication', () => {
  it('accepts a good token and rejects a bad or missing one with 401, an empty body and PVE’s reason', async () => {
    expect((await t.api('GET', '/version')).status).toBe(200);
    const bad = await simRequest(t.sim, 'GET', '/version', {
      auth: 'PVEAPIToken=root@pam!test=00000000-0000-0000-0000-000000000000',
    });
    expect([bad.status, bad.statusMessage, bad.text]).toEqual([401, 'invalid token value!', '']);
    expect(bad.headers.connection).toBe('close');
    const none = await simRequest(t.sim, 'GET', '/version');
    expect([none.status, none.statusMessage]).toEqual([401, 'No ticket']);
    const unknown = await simRequest(t.sim, 'GET', '/version', { auth: 'PVEAPIToken=root@pam!nope=x' });
    expect(unknown.statusMessage).toBe("no such token 'nope' for user 'root@pam'");
    const malformed = await simRequest(t.sim, 'GET', '/version', { auth: 'PVEAPIToken=root@pam=x' });
    expect(malformed.statusMessage).toBe(
      "'root@pam' is not a valid token ID - not able to split into user and token parts",
    );
  });

  it('stores only the SHA-256 of token secrets', async () => {
    const stateFile = await readFile(join(t.dir, 'state.json'), 'utf8');
    expect(stateFile).not.toContain(LIMITED_SECRET);
    expect(stateFile).not.toContain(t.root.split('=').pop()!);
    expect(stateFile).not.toContain(PASSWORD);
  });

  it('checks privileges and names the path and privilege on 403', async () => {
    const res = await simRequest(t.sim, 'GET', '/nodes/pve/hardware/pci', { auth: LIMITED });
    expect(res.status).toBe(403);
    expect(res.body?.message).toBe('Permission check failed (/, Sys.Audit|Sys.Modify)\n');
    expect(res.statusMessage).toBe('Permission check failed (/, Sys.Audit|Sys.Modify)');
    const mapping = await simRequest(t.sim, 'POST', '/cluster/mapping/pci', {
      auth: LIMITED,
      params: { id: 'x', map: 'node=pve,path=0000:01:00.0,id=10de:27b2' },
    });
    expect(mapping.body?.message).toBe('Permission check failed (/mapping/pci, Mapping.Modify)\n');
  });

  it('treats a token as never root: raw hostpci and absolute import paths are refused, mappings are allowed', async () => {
    const raw = await t.api('POST', '/nodes/pve/qemu', {
      params: { vmid: 300, hostpci0: 'host=0000:01:00.0,pcie=1' },
    });
    expect([raw.status, raw.body?.message]).toEqual([
      500,
      "only root can set 'hostpci0' config for non-mapped devices\n",
    ]);
    const path = await t.api('POST', '/nodes/pve/qemu', {
      params: { vmid: 300, scsi0: 'local-lvm:0,import-from=/var/lib/vz/template/x.qcow2' },
    });
    expect(path.status).toBe(500);
    expect(path.body?.message).toMatch(
      /^Only root can pass arbitrary filesystem paths\. at \/usr\/share\/perl5\/PVE\/Storage\.pm line \d+\.\n$/,
    );
    const mapped = await simRequest(t.sim, 'POST', '/nodes/pve/qemu', {
      auth: LIMITED,
      params: { vmid: 301, machine: 'q35', hostpci0: 'mapping=gpu,pcie=1' },
    });
    expect(mapped.status).toBe(200);
    const otherMapping = await simRequest(t.sim, 'POST', '/nodes/pve/qemu', {
      auth: LIMITED,
      params: { vmid: 302, hostpci0: 'mapping=other' },
    });
    expect(otherMapping.body?.message).toBe('Permission check failed (/mapping/pci/other, Mapping.Use)\n');
  });

  it('answers GET /access/permissions for the caller', async () => {
    const res = await simRequest(t.sim, 'GET', '/access/permissions', { auth: LIMITED });
    const perms = dataOf<Record<string, Record<string, number>>>(res);
    expect(perms['/vms']?.['VM.Allocate']).toBe(1);
    expect(perms['/mapping/pci/gpu']?.['Mapping.Use']).toBe(1);
    expect(perms['/']).toBeUndefined();
    const one = await simRequest(t.sim, 'GET', '/access/permissions', {
      auth: LIMITED,
      params: { path: '/storage/local' },
    });
    expect(Object.keys(dataOf<Record<string, object>>(one)['/storage/local']!)).toEqual([
      'Datastore.AllocateSpace',
      'Datastore.Audit',
    ]);
  });
});

describe('ticket authentication', () => {
  it('logs in, requires the CSRF token on writes, renews with the ticket, and rejects bad passwords', async () => {
    const login = await simRequest(t.sim, 'POST', '/access/ticket', {
      params: { username: 'root@pam', password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const {
      ticket,
      CSRFPreventionToken: csrf,
      username,
    } = dataOf<{ ticket: string; CSRFPreventionToken: string; username: string }>(login);
    expect(username).toBe('root@pam');
    expect(ticket).toMatch(/^PVE:root@pam:[0-9A-F]{8}::\S+$/);
    expect(csrf).toMatch(/^[0-9A-F]{8}:\S+$/);

    expect((await simRequest(t.sim, 'GET', '/nodes/pve/hardware/pci', { cookie: ticket })).status).toBe(200);
    const params = {
      id: 'gpu',
      map: 'node=pve,path=0000:01:00.0,id=10de:27b2,iommugroup=14,subsystem-id=10de:181b',
    };
    const noCsrf = await simRequest(t.sim, 'POST', '/cluster/mapping/pci', { cookie: ticket, params });
    expect([noCsrf.status, noCsrf.statusMessage]).toEqual([401, 'Permission denied - invalid csrf token']);
    const withCsrf = await simRequest(t.sim, 'POST', '/cluster/mapping/pci', {
      cookie: ticket,
      csrf,
      params,
    });
    expect(withCsrf.status).toBe(200);
    // The Authorization-header form of the ticket works too.
    expect((await simRequest(t.sim, 'GET', '/version', { auth: `PVEAuthCookie=${ticket}` })).status).toBe(
      200,
    );

    const renewed = await simRequest(t.sim, 'POST', '/access/ticket', {
      params: { username: 'root@pam', password: ticket },
    });
    expect(renewed.status).toBe(200);
    const wrong = await simRequest(t.sim, 'POST', '/access/ticket', {
      params: { username: 'root@pam', password: 'nope' },
    });
    expect([wrong.status, wrong.statusMessage]).toEqual([401, 'authentication failure']);
    const forged = await simRequest(t.sim, 'GET', '/version', { cookie: `${ticket.slice(0, -4)}AAAA` });
    expect([forged.status, forged.statusMessage]).toEqual([401, 'permission denied - invalid PVE ticket']);
  });

  it('lets root@pam itself (a ticket, not a token) pass raw hostpci', async () => {
    const login = await simRequest(t.sim, 'POST', '/access/ticket', {
      params: { username: 'root', realm: 'pam', password: PASSWORD },
    });
    const { ticket, CSRFPreventionToken: csrf } = dataOf<{
      ticket: string;
      CSRFPreventionToken: string;
      username: string;
    }>(login);
    const res = await simRequest(t.sim, 'POST', '/nodes/pve/qemu', {
      cookie: ticket,
      csrf,
      params: { vmid: 310, hostpci0: '0000:01:00.0' },
    });
    expect(res.status).toBe(200);
  });
});

describe('TLS', () => {
  it('serves the certificate whose fingerprint it reports, valid under its own CA', async () => {
    const { port } = new URL(t.sim.url);
    const peer = await new Promise<{ fingerprint256: string; authorized: boolean }>((resolve, reject) => {
      const socket = connect(
        { host: '127.0.0.1', port: Number(port), ca: t.sim.caPem, servername: 'localhost' },
        () => {
          resolve({
            fingerprint256: socket.getPeerCertificate().fingerprint256,
            authorized: socket.authorized,
          });
          socket.end();
        },
      );
      socket.on('error', reject);
    });
    expect(peer).toEqual({ fingerprint256: t.sim.fingerprint, authorized: true });
    expect(t.sim.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const nodes = await t.api('GET', '/nodes');
    expect(dataOf<Array<{ ssl_fingerprint: string }>>(nodes)[0]?.ssl_fingerprint).toBe(t.sim.fingerprint);
  });
});
