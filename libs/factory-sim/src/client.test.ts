import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FactoryClient, parseSchematic, resolveSchematic } from '@infra/talos-factory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FactorySimulator, startFactorySimulator } from './server';

// The talos-factory HTTP client against the simulator (a real HTTP server on 127.0.0.1).
const P1 = 'customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/qemu-guest-agent]\n';
const P1_ID = 'ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515';

let sim: FactorySimulator;
beforeAll(async () => {
  sim = await startFactorySimulator();
});
afterAll(() => sim.stop());

const client = (extra: Partial<ConstructorParameters<typeof FactoryClient>[0]> = {}) =>
  new FactoryClient({ baseUrl: sim.url, ...extra });

describe('FactoryClient against the factory simulator', () => {
  it('registers a schematic: the factory ID equals the offline ID (the qemu-guest-agent vector of the Talos Proxmox guide)', async () => {
    const resolved = await client().createSchematic(parseSchematic(P1));
    expect(resolved.id).toBe(P1_ID);
    expect(sim.schematicIds()).toContain(P1_ID);
    expect(await client().getSchematic(P1_ID)).toEqual(parseSchematic(P1));
  });

  it('stops when the factory computes a different ID', async () => {
    sim.faults.push({
      match: /^POST \/schematics$/,
      status: 201,
      times: 1,
      body: JSON.stringify({ id: 'f'.repeat(64) }),
    });
    await expect(client().createSchematic(parseSchematic(P1))).rejects.toMatchObject({
      code: 'FACTORY_SCHEMATIC_MISMATCH',
      message: expect.stringContaining(`offline ID is ${P1_ID}`),
    });
  });

  it('lists versions ascending and checks a version', async () => {
    const versions = await client().versions();
    expect(versions).toContain('v1.13.9');
    expect(versions.indexOf('v1.9.0')).toBeLessThan(versions.indexOf('v1.10.0'));
    await expect(client().assertVersion('1.13.9')).resolves.toBe('v1.13.9');
    await expect(client().assertVersion('v1.13.99')).rejects.toMatchObject({
      code: 'TALOS_VERSION_UNKNOWN',
      message: expect.stringContaining(sim.url),
      hint: expect.stringContaining('v1.13.9'),
    });
  });

  it('lists extensions per version (NVIDIA tiers from 1.8) and overlays (from 1.7)', async () => {
    const names = (await client().extensions('v1.13.9')).map((e) => e.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'siderolabs/qemu-guest-agent',
        'siderolabs/nvidia-open-gpu-kernel-modules-production',
        'siderolabs/nvidia-container-toolkit-lts',
      ]),
    );
    expect((await client().extensions('v1.7.6')).map((e) => e.name)).toContain(
      'siderolabs/nvidia-container-toolkit',
    );
    expect(await client().overlays('v1.6.0')).toEqual([]);
    expect((await client().overlays('v1.13.9')).map((o) => o.name)).toContain('rpi_generic');
  });

  it('names unknown extensions for a version with close matches', async () => {
    await expect(
      client().assertExtensions('v1.13.9', [
        'siderolabs/qemu-guest-agent',
        'siderolabs/nvidia-open-gpu-kernel-modules',
      ]),
    ).rejects.toMatchObject({
      code: 'FACTORY_UNKNOWN_EXTENSION',
      message: expect.stringMatching(
        /siderolabs\/nvidia-open-gpu-kernel-modules \(did you mean siderolabs\/nvidia-open-gpu-kernel-modules-lts, siderolabs\/nvidia-open-gpu-kernel-modules-production\?\)/,
      ),
    });
    await expect(client().assertExtensions('v1.13.9', ['siderolabs/qemu-guest-agnet'])).rejects.toThrow(
      /did you mean siderolabs\/qemu-guest-agent/,
    );
    await expect(
      client().assertExtensions('v1.13.9', ['siderolabs/qemu-guest-agent']),
    ).resolves.toBeUndefined();
  });

  it('caches lists on disk for the TTL, then refetches', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'factory-cache-'));
    let now = 1_000_000;
    const cached = client({ cacheDir, ttlMs: 60_000, now: () => now });
    const count = () => sim.requests.filter((r) => r.path === '/versions').length;
    const before = count();
    await cached.versions();
    await cached.versions();
    await client({ cacheDir, ttlMs: 60_000, now: () => now }).versions(); // another process, same cache
    expect(count()).toBe(before + 1);
    now += 61_000;
    await cached.versions();
    expect(count()).toBe(before + 2);
    expect(readdirSync(cacheDir)).toHaveLength(1); // one folder per factory URL
  });

  it('uses a stale cache entry, with a warning, when the factory is down; fails clearly without one', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'factory-cache-'));
    const other = await startFactorySimulator();
    let now = 0;
    const warnings: string[] = [];
    const c = new FactoryClient({
      baseUrl: other.url,
      cacheDir,
      ttlMs: 1000,
      now: () => now,
      onWarning: (w) => warnings.push(w),
    });
    await c.versions();
    await other.stop();
    now = 10_000;
    expect(await c.versions()).toContain('v1.13.9');
    expect(warnings.join()).toMatch(/unreachable.*using the cached Talos versions/);
    await expect(new FactoryClient({ baseUrl: other.url }).versions()).rejects.toMatchObject({
      code: 'FACTORY_UNREACHABLE',
      message: expect.stringContaining(`the Talos Image Factory at ${other.url} is unreachable`),
    });
  });

  it('maps server errors', async () => {
    sim.faults.push({
      match: /^GET \/version\/v1\.12\.0\/extensions/,
      status: 503,
      times: 1,
      body: 'maintenance',
    });
    await expect(client().extensions('v1.12.0')).rejects.toMatchObject({
      code: 'FACTORY_HTTP_ERROR',
      message: expect.stringContaining('503: maintenance'),
    });
    await expect(client().getSchematic('0'.repeat(64))).rejects.toMatchObject({
      code: 'FACTORY_SCHEMATIC_NOT_FOUND',
    });
  });

  it('the simulator rejects what the factory rejects', async () => {
    const post = (body: string) => fetch(`${sim.url}/schematics`, { method: 'POST', body });
    const unknown = await post('customization:\n  extensions: []\n');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toMatch(/field "extensions" not found/);
    const owner = await post('owner: acme\n');
    expect(owner.status).toBe(400);
    expect(await owner.text()).toMatch(/Enterprise/);
    const again = await post(resolveSchematic(parseSchematic(P1)).canonical);
    expect(again.status).toBe(201);
    expect(await again.json()).toMatchObject({ id: P1_ID });
  });
});
