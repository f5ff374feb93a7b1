import { afterEach, describe, expect, it } from 'vitest';
import { ProxmoxClient } from './client';
import { PveOutcomeUnknownError } from './errors';
import { type Handler, sendJson, startHttpsServer, type TestHttpsServer } from './testing/https-server';
import { FAST_RETRY } from './testing/sim-harness';

const VERSION = { data: { version: '9.0.3', release: '9.0', repoid: '025864202ebb6109' } };
const TOKEN = {
  type: 'token' as const,
  tokenId: 'infra@pve!test',
  secret: '11111111-2222-3333-4444-555555555555',
};

let server: TestHttpsServer | undefined;
const clients: ProxmoxClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
});

async function setup(
  handler: Handler,
  options: Partial<ConstructorParameters<typeof ProxmoxClient>[0]> = {},
) {
  server = await startHttpsServer(handler);
  const client = new ProxmoxClient({
    endpoint: server.url,
    auth: TOKEN,
    tls: { fingerprint: server.fingerprint },
    retry: FAST_RETRY,
    ...options,
  });
  clients.push(client);
  return { server, client };
}

describe('connections', () => {
  it('reuses keep-alive connections and bounds concurrency', async () => {
    const { server, client } = await setup(
      (_req, res) => void setTimeout(() => sendJson(res, 200, VERSION), 5),
      { maxConnections: 3, maxConcurrency: 4 },
    );
    await Promise.all(Array.from({ length: 60 }, () => client.version()));
    const afterBurst = server.connections();
    expect(afterBurst).toBeLessThanOrEqual(3);
    expect(server.maxInFlight()).toBeLessThanOrEqual(3);
    for (let i = 0; i < 20; i += 1) await client.version();
    expect(server.connections()).toBe(afterBurst);
  });
});

describe('retries', () => {
  it('repeats a GET whose connection was reset', async () => {
    let calls = 0;
    const { client } = await setup((req, res) => {
      calls += 1;
      if (calls <= 2) req.socket.destroy();
      else sendJson(res, 200, VERSION);
    });
    expect((await client.version()).version).toBe('9.0.3');
    expect(calls).toBe(3);
  });

  it('does not repeat a write whose reply was lost when it cannot check the outcome', async () => {
    let posts = 0;
    const { client } = await setup((req) => {
      if (req.method === 'POST') posts += 1;
      req.socket.destroy();
    });
    const error = await client
      .call('POST /nodes/{node}/qemu/{vmid}/status/start', { node: 'pve', vmid: 100 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(PveOutcomeUnknownError);
    expect(posts).toBe(1);
  });

  it('repeats a write refused with a lock time-out, with backoff, until it goes through', async () => {
    let posts = 0;
    const upid = 'UPID:pve:0001A2B3:00C4D5E6:68920F3A:qmclone:100:infra@pve!test:';
    const { client } = await setup((_req, res) => {
      posts += 1;
      if (posts <= 2)
        sendJson(res, 500, {
          data: null,
          message: "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout\n",
        });
      else sendJson(res, 200, { data: upid });
    });
    expect(
      await client.call('POST /nodes/{node}/qemu/{vmid}/clone', { node: 'pve', vmid: 100, newid: 101 }),
    ).toBe(upid);
    expect(posts).toBe(3);
  });

  it('logs in again after a 401 with ticket auth and resends the rejected request', async () => {
    let logins = 0;
    const { client } = await setup(
      (req, res) => {
        if (req.url === '/api2/json/access/ticket') {
          logins += 1;
          sendJson(res, 200, {
            data: {
              username: 'root@pam',
              ticket: `PVE:root@pam:0000000${logins}::sig`,
              CSRFPreventionToken: `0000000${logins}:csrf`,
            },
          });
        } else if (req.headers.cookie === 'PVEAuthCookie=PVE:root@pam:00000001::sig') {
          res.writeHead(401, 'permission denied - invalid PVE ticket').end();
        } else if (req.method === 'POST' && req.headers.csrfpreventiontoken !== '00000002:csrf') {
          res.writeHead(401, 'Permission denied - invalid csrf token').end();
        } else sendJson(res, 200, { data: null });
      },
      { auth: { type: 'ticket', username: 'root@pam', password: 'pw-123456' } },
    );
    await client.createPciMapping({ id: 'gpu', map: ['node=pve,path=0000:01:00.0,id=10de:27b2'] });
    expect(logins).toBe(2);
  });
});
