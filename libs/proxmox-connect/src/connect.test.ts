import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isInfraError } from '@infra/core';
import { findRunning, type Simulator, startSimulator } from '@infra/pve-sim';
import { loadSecrets } from '@infra/sops-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectProxmox } from './connect';
import { tokenAccounts } from './embedded';
import type { ProxmoxEnvironment } from './environment';

/**
 * Against real simulators and demo secrets generated in a temp dir (as a fresh clone gets them on first use,
 * decrypted by the real sops binary), so `.infra/` state lands there.
 */
const _repoRoot = resolve(import.meta.dirname, '../../..');
let dir: string;
let env: NodeJS.ProcessEnv;
let token: { tokenId: string; secret: string };

const environment = (
  overrides: Partial<ProxmoxEnvironment['proxmox']> = {},
  root = dir,
): ProxmoxEnvironment => ({
  name: 'local',
  repoRoot: root,
  proxmox: { endpoint: 'embedded', node: 'pve', tls: {}, ...overrides },
  secrets: join(dir, '.infra', 'demo', 'local.enc.yaml'),
  ageKeyFile: join(dir, '.infra', 'demo', 'local.agekey'),
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => {
      if (!isInfraError(error)) throw error;
      return error;
    },
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxmox-connect-'));
  env = { PATH: process.env.PATH, HOME: join(dir, 'home') };
  const secrets = await loadSecrets(environment(), { env });
  token = { tokenId: secrets.proxmox.tokenId, secret: secrets.proxmox.tokenSecret };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('connectProxmox, endpoint: embedded', () => {
  it('starts a simulator on .infra/sim/ with the secrets token, counts requests, stops it on close', async () => {
    const root = await mkdtemp(join(dir, 'repo-'));
    const stateDir = join(root, '.infra', 'sim');
    const connection = await connectProxmox(environment({}, root), { env });
    try {
      expect(connection.embedded).toBe(true);
      const running = await findRunning(stateDir);
      expect(running?.pid).toBe(process.pid);
      expect((await connection.client.version()).version).toMatch(/^9\./);
      await connection.client.updateStorage('local', { content: 'iso,vztmpl,import' });
      expect(connection.requests).toEqual([
        { method: 'GET', path: '/version' },
        { method: 'PUT', path: '/storage/local' },
      ]);
    } finally {
      await connection.close();
    }
    expect(await findRunning(stateDir)).toBeNull();
    // The state persists, with the token stored as a hash only.
    const state = await readFile(join(stateDir, 'state.json'), 'utf8');
    expect(state).toContain(token.tokenId);
    expect(state).not.toContain(token.secret);
    const parsed = JSON.parse(state) as { storages: Record<string, { content: string[] }> };
    expect(parsed.storages.local?.content).toEqual(['iso', 'vztmpl', 'import']);
  });

  it('applies INFRA_SIM_FAULTS to the simulator it starts, so the error names the request', async () => {
    const root = await mkdtemp(join(dir, 'repo-'));
    const faults = JSON.stringify([
      { kind: 'error', status: 500, message: 'boom', method: 'GET', path: '/nodes' },
    ]);
    const connection = await connectProxmox(environment({}, root), {
      env: { ...env, INFRA_SIM_FAULTS: faults },
      retry: { getAttempts: 1 },
    });
    try {
      expect((await connection.client.version()).version).toMatch(/^9\./);
      const error = await failure(connection.client.nodes());
      expect(error.message).toMatch(/^GET \/nodes: .*boom/);
    } finally {
      await connection.close();
    }
    const bad = await failure(
      connectProxmox(environment({}, root), { env: { ...env, INFRA_SIM_FAULTS: '{' } }),
    );
    expect(bad.code).toBe('SIM_FAULTS_INVALID');
    expect(await findRunning(join(root, '.infra', 'sim'))).toBeNull();
  });

  it('reuses a simulator already serving the state dir: adds the token, leaves it running on close', async () => {
    const root = await mkdtemp(join(dir, 'repo-'));
    const sim = await startSimulator({ stateDir: join(root, '.infra', 'sim'), timing: { taskMs: 10 } });
    try {
      const connection = await connectProxmox(environment({}, root), { env });
      expect(new URL(sim.url).port).toBe(String(sim.port));
      expect((await connection.client.nodes()).map((n) => n.node)).toEqual(['pve']);
      await connection.close();
      expect(await findRunning(join(root, '.infra', 'sim'))).toMatchObject({ url: sim.url });
      expect(Object.keys(sim.state.tokens ?? {})).toContain(token.tokenId);

      const faults = JSON.stringify({ kind: 'latency', ms: 1 });
      const refused = await failure(
        connectProxmox(environment({}, root), { env: { ...env, INFRA_SIM_FAULTS: faults } }),
      );
      expect(refused.code).toBe('SIM_FAULTS_NOT_APPLIED');
    } finally {
      await sim.stop();
    }
  });
});

describe('connectProxmox, a real endpoint', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ stateDir: join(dir, 'remote-sim'), accounts: tokenAccounts(token) });
  });
  afterAll(() => sim.stop());

  it('uses the configured endpoint with the pinned fingerprint and starts no simulator', async () => {
    const root = await mkdtemp(join(dir, 'repo-'));
    const connection = await connectProxmox(
      environment({ endpoint: sim.url, tls: { fingerprint: sim.fingerprint } }, root),
      { env, retry: { getAttempts: 1 } },
    );
    try {
      expect(connection.embedded).toBe(false);
      expect((await connection.client.version()).version).toMatch(/^9\./);
      expect(connection.requests).toEqual([{ method: 'GET', path: '/version' }]);
      expect(await findRunning(join(root, '.infra', 'sim'))).toBeNull();
    } finally {
      await connection.close();
    }
  });

  it('refuses a certificate that does not match the pinned fingerprint, naming the request', async () => {
    const wrong = sim.fingerprint.replace(/^../, sim.fingerprint.startsWith('00') ? '11' : '00');
    const connection = await connectProxmox(environment({ endpoint: sim.url, tls: { fingerprint: wrong } }), {
      env,
      retry: { getAttempts: 1 },
    });
    try {
      const error = await failure(connection.client.version());
      expect(error.code).toBe('TLS_FINGERPRINT_MISMATCH');
      expect(error.message).toMatch(/^GET \/version: /);
    } finally {
      await connection.close();
    }
  });
});
