import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateRequest } from '@infra/pve-api';
import { type FaultRule, type Simulator, startSimulator } from '@infra/pve-sim';
import { ProxmoxClient } from '../client';
import type { ProxmoxClientOptions, RequestInfo } from '../options';

/**
 * Test support: an in-process simulator, a token with the given roles, and clients that record every
 * request they put on the wire (for the contract check against the official schema).
 */
export interface SimHarness {
  sim: Simulator;
  /** The simulator's state directory (its storages live under `storage/`, upload temp files under `tmp/`). */
  stateDir: string;
  tokenId: string;
  secret: string;
  /** Every request sent by clients made with `client()`. */
  requests: RequestInfo[];
  client(overrides?: Partial<ProxmoxClientOptions>): ProxmoxClient;
  close(): Promise<void>;
}

export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50, lockBaseDelayMs: 10 };

export async function startHarness(
  options: {
    faults?: FaultRule[];
    roles?: Array<{ path: string; roleid: string }>;
    taskMs?: number;
    agentBootMs?: number;
  } = {},
): Promise<SimHarness> {
  const stateDir = await mkdtemp(join(tmpdir(), 'pve-client-test-'));
  const token = { tokenId: 'infra@pve!test', secret: randomUUID() };
  // As on a real host: the user holds the ACLs; the token (privilege separation off) acts with the user's rights.
  const sim = await startSimulator({
    stateDir,
    seed: 42,
    ...(options.faults ? { faults: options.faults } : {}),
    timing: { taskMs: options.taskMs ?? 30, agentBootMs: options.agentBootMs ?? 100 },
    accounts: {
      users: [{ userid: 'infra@pve' }],
      tokens: [{ id: token.tokenId, secret: token.secret, privsep: false }],
      acl: (options.roles ?? [{ path: '/', roleid: 'Administrator' }]).map((r) => ({
        ...r,
        ugid: 'infra@pve',
        type: 'user' as const,
      })),
    },
  });
  const requests: RequestInfo[] = [];
  const clients: ProxmoxClient[] = [];
  return {
    sim,
    stateDir,
    tokenId: token.tokenId,
    secret: token.secret,
    requests,
    client(overrides = {}) {
      const client = new ProxmoxClient({
        endpoint: sim.url,
        auth: { type: 'token', tokenId: token.tokenId, secret: token.secret },
        tls: { fingerprint: sim.fingerprint },
        // Off so the contract check sees exactly what the client builds, not what a local check let through.
        validateRequests: false,
        retry: FAST_RETRY,
        ...overrides,
        onRequest: (info) => {
          requests.push(info);
          overrides.onRequest?.(info);
        },
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await sim.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Requests that the official PVE 9.0 schema would reject, with the reason (empty = all valid). */
export function contractViolations(requests: readonly RequestInfo[]): string[] {
  const out: string[] = [];
  for (const r of requests) {
    const errors = validateRequest(r.method, r.path, r.params);
    if (errors) out.push(`${r.method} ${r.path}: ${JSON.stringify(errors)}`);
  }
  return out;
}

/** A loopback HTTP server with one file, so download-url really downloads (like a real image source). */
export async function serveFile(
  name: string,
  content: Buffer,
): Promise<{ url: string; sha256: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === `/${name}`) res.writeHead(200, { 'content-length': content.length }).end(content);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${name}`,
    sha256: createHash('sha256').update(content).digest('hex'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A qcow2 header (magic, version 3, virtual size) plus padding: a small stand-in for a cloud image. */
export function fakeQcow2(virtualSizeGiB = 8, bytes = 64 * 1024): Buffer {
  const buf = Buffer.alloc(bytes);
  buf.writeUInt32BE(0x514649fb, 0);
  buf.writeUInt32BE(3, 4);
  buf.writeBigUInt64BE(BigInt(virtualSizeGiB) * 1024n ** 3n, 24);
  return buf;
}
