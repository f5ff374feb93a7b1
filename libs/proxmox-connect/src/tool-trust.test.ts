import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInfraError } from '@infra/core';
import { type Simulator, startSimulator } from '@infra/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolTrust } from './tool-trust';

let sim: Simulator;
let dir: string;
let tmpRoot: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tool-trust-'));
  tmpRoot = await mkdtemp(join(tmpdir(), 'tool-trust-tmp-'));
  sim = await startSimulator({ stateDir: join(dir, 'sim'), timing: { taskMs: 1 } });
});
afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
  await rm(tmpRoot, { recursive: true, force: true });
});

describe('toolTrust', () => {
  it('checks the pin, then hands the presented certificate over in a 0600 file that dispose removes', async () => {
    const trust = await toolTrust(sim.url, { fingerprint: sim.fingerprint }, { tmpRoot });
    const file = trust.env.SSL_CERT_FILE!;
    expect(trust.insecure).toBe(false);
    expect(file.startsWith(tmpRoot)).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const handed = new X509Certificate(await readFile(file, 'utf8'));
    expect(handed.fingerprint256).toBe(sim.fingerprint);
    expect(handed.toString()).toBe(new X509Certificate(sim.certPem).toString());
    await trust.dispose();
    await trust.dispose();
    expect(await readdir(tmpRoot)).toEqual([]);
  });

  it('refuses a certificate that does not match the pin and leaves no file behind', async () => {
    const wrong = sim.fingerprint.replace(/^../, sim.fingerprint.startsWith('00') ? '11' : '00');
    const error = await toolTrust(sim.url, { fingerprint: wrong }, { tmpRoot }).catch((e: unknown) => e);
    expect(isInfraError(error) && error.code).toBe('TLS_FINGERPRINT_MISMATCH');
    expect((error as Error).message).toContain(sim.url);
    expect(await readdir(tmpRoot)).toEqual([]);
  });

  it('passes a CA file through as is, and says so when verification is off', async () => {
    const ca = await toolTrust(sim.url, { caFile: '/etc/pve/pve-root-ca.pem' });
    expect(ca.env).toEqual({ SSL_CERT_FILE: '/etc/pve/pve-root-ca.pem' });
    const off = await toolTrust(sim.url, { insecure: true });
    expect(off).toMatchObject({ env: {}, insecure: true });
  });

  it('names the endpoint when nothing answers', async () => {
    const error = await toolTrust('https://127.0.0.1:1', { fingerprint: sim.fingerprint }).catch(
      (e: unknown) => e,
    );
    expect(isInfraError(error) && error.code).toBe('TLS_ENDPOINT_UNREACHABLE');
    expect((error as Error).message).toContain('https://127.0.0.1:1');
  });
});
