import { createLogger } from '@infra/core';
import { encodePropertyString } from '@infra/pve-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PveParameterError, PvePermissionError } from './errors';
import { PveTaskFailedError } from './tasks';
import { contractViolations, type SimHarness, startHarness } from './testing/sim-harness';
import { TlsFingerprintMismatchError } from './tls';

/** Each mistake a user can make gives one clear, typed error, and no secret leaks into it. */
let harness: SimHarness;

beforeAll(async () => {
  harness = await startHarness({
    faults: [
      {
        kind: 'task-failure',
        taskType: 'qmclone',
        message: 'clone failed: storage went away',
        log: ['copying disk', 'I/O error'],
      },
    ],
  });
});
afterAll(async () => harness?.close());

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error & { code: string; hint?: string },
  );
const leaks = (error: unknown, secret: string) =>
  JSON.stringify({
    m: (error as Error).message,
    d: (error as { details?: unknown }).details,
    h: (error as { hint?: string }).hint,
  }).includes(secret);

describe('credentials and TLS', () => {
  it('wrong token secret: PVE_AUTH_FAILED, without the secret', async () => {
    const wrong = 'deadbeef-0000-1111-2222-333344445555';
    const error = await errorOf(
      harness.client({ auth: { type: 'token', tokenId: harness.tokenId, secret: wrong } }).version(),
    );
    expect(error?.code).toBe('PVE_AUTH_FAILED');
    expect(leaks(error, wrong)).toBe(false);
    expect(leaks(error, harness.secret)).toBe(false);
  });

  it('wrong pinned fingerprint: TLS_FINGERPRINT_MISMATCH naming expected and actual', async () => {
    const pinned = `${harness.sim.fingerprint.slice(0, -2)}${harness.sim.fingerprint.endsWith('00') ? '01' : '00'}`;
    const error = await errorOf(harness.client({ tls: { fingerprint: pinned } }).version());
    expect(error).toBeInstanceOf(TlsFingerprintMismatchError);
    expect(error?.message).toContain(`expected ${pinned}, got ${harness.sim.fingerprint}`);
  });

  it('right fingerprint, or the CA, connects; no trust anchor at all refuses the self-signed certificate', async () => {
    expect(
      (await harness.client({ tls: { fingerprint: harness.sim.fingerprint.toLowerCase() } }).version())
        .release,
    ).toBe('9.0');
    expect((await harness.client({ tls: { ca: harness.sim.caPem } }).version()).release).toBe('9.0');
    const error = await errorOf(harness.client({ tls: {} }).version());
    expect(error?.code).toBe('TLS_VERIFY_FAILED');
  });

  it('insecure mode works but says so loudly', async () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (chunk: string) => lines.push(chunk) });
    await harness.client({ tls: { insecure: true }, logger }).version();
    expect(lines.join('')).toMatch(/warning: TLS certificate verification is OFF/);
  });

  it('ticket auth: CSRF-protected writes work; a wrong password fails once, without the password', async () => {
    await harness.sim.setPassword('root@pam', 'correct horse battery');
    const client = harness.client({
      auth: { type: 'ticket', username: 'root@pam', password: 'correct horse battery' },
    });
    await client.createPciMapping({ id: 'ticket-test', map: ['node=pve,path=0000:02:00.0,id=10de:27b2'] });
    expect((await client.pciMapping('ticket-test')).map).toEqual(['node=pve,path=0000:02:00.0,id=10de:27b2']);
    await client.deletePciMapping('ticket-test');
    const error = await errorOf(
      harness
        .client({ auth: { type: 'ticket', username: 'root@pam', password: 'wrong-password-123' } })
        .version(),
    );
    expect(error?.code).toBe('PVE_AUTH_FAILED');
    expect(leaks(error, 'wrong-password-123')).toBe(false);
  });
});

describe('bad requests', () => {
  it('bad VMID: refused locally (nothing sent), and Proxmox’s own 400 carries the errors map', async () => {
    const before = harness.requests.length;
    const local = await errorOf(
      harness.client({ validateRequests: true }).createVm('pve', { vmid: 99, name: 'x' }),
    );
    expect(local).toBeInstanceOf(PveParameterError);
    expect((local as PveParameterError).local).toBe(true);
    expect((local as PveParameterError).errors).toEqual({
      vmid: 'invalid format - value does not look like a valid VM ID',
    });
    expect(harness.requests.length).toBe(before);

    const remote = await errorOf(harness.client().vmConfig('pve', 99));
    expect(remote).toBeInstanceOf(PveParameterError);
    expect((remote as PveParameterError).local).toBe(false);
    expect(Object.keys((remote as PveParameterError).errors)).toEqual(['vmid']);
    harness.requests.splice(before); // deliberately invalid: not part of the contract check
  });

  it('unknown node and unknown storage: one clear error naming them', async () => {
    const node = await errorOf(harness.client().listVms('nope'));
    expect(node?.code).toBe('PVE_NODE_UNKNOWN');
    expect(node?.message).toMatch(/hostname lookup 'nope' failed/);
    expect(node?.hint).toMatch(/GET \/nodes/);
    const storage = await errorOf(harness.client().storageStatus('pve', 'nostore'));
    expect(storage?.code).toBe('PVE_NOT_FOUND');
    expect(storage?.message).toMatch(/nostore/);
  });

  it('storage without the import content type (or not file-based): one error with the fix', async () => {
    const params = { url: 'http://127.0.0.1:9/x.qcow2', content: 'import', filename: 'x.qcow2' } as const;
    const noImport = await errorOf(harness.client().downloadUrl('pve', 'local', params));
    expect(noImport?.code).toBe('PVE_STORAGE_CONTENT_MISSING');
    expect(noImport?.message).toMatch(/storage 'local' is not configured for content-type 'import'/);
    expect(noImport?.hint).toMatch(/pvesm set/);
    const lvm = await errorOf(harness.client().downloadUrl('pve', 'local-lvm', params));
    expect(lvm?.code).toBe('PVE_STORAGE_NOT_FILE_BASED');
  });

  it('missing privilege: PVE_PERMISSION_DENIED naming the ACL path and privilege', async () => {
    const auditor = await startHarness({ roles: [{ path: '/', roleid: 'PVEAuditor' }] });
    try {
      const error = await errorOf(auditor.client().createVm('pve', { vmid: 123, name: 'nope' }));
      expect(error).toBeInstanceOf(PvePermissionError);
      expect((error as PvePermissionError).aclPath).toBe('/vms/123');
      expect((error as PvePermissionError).privileges).toContain('VM.Allocate');
    } finally {
      await auditor.close();
    }
  });

  it('a token is never root: raw hostpci is refused with Proxmox’s message', async () => {
    const client = harness.client();
    await client.createVm('pve', { vmid: 200, name: 'raw-pci', memory: '512' });
    const error = await errorOf(
      client.updateVmConfig('pve', 200, {
        hostpci0: encodePropertyString('pve-qm-hostpci', { host: '0000:01:00.0' }),
      }),
    );
    expect(error?.message).toMatch(/only root can set 'hostpci0' config for non-mapped devices/);
  });

  it('a failed task raises PVE_TASK_FAILED with the exit status and last log lines', async () => {
    const client = harness.client();
    await client.createVm('pve', { vmid: 300, name: 'src', memory: '512' });
    const error = await errorOf(client.cloneVm('pve', 300, { newid: 301, name: 'dst' }));
    expect(error).toBeInstanceOf(PveTaskFailedError);
    expect((error as PveTaskFailedError).exitStatus).toBe('clone failed: storage went away');
    expect((error as PveTaskFailedError).logTail.join('\n')).toMatch(/I\/O error/);
  });

  it('every request sent above (bar the deliberately invalid one) is valid under the official schema', () => {
    expect(contractViolations(harness.requests)).toEqual([]);
  });
});
