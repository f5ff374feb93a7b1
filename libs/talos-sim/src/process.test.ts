import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTalosSimBinary } from './build';
import { findRunningTalosSim, startTalosSim, stopRunningTalosSim, type TalosSim } from './process';
import { readNodeRecords } from './records';
import { GO_SOURCE_DIR, sourceHash } from './source';

const TEMPLATE =
  'factory.talos.dev/nocloud-installer/a31d81eceab05afdc2c59b0002701173e117a5fb81bdc1f64062d27655145848:v1.13.9';

function peerCertificate(host: string, port: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.once('error', reject);
  });
}

describe('talos-sim adapter', () => {
  let dir: string;
  let sim: TalosSim;
  const base = 100 + Math.floor(Math.random() * 140);
  const nodes = [`127.0.${base}.21`, `127.0.${base}.22`];
  const port = 20000 + Math.floor(Math.random() * 20000);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'talos-sim-'));
    sim = await startTalosSim({ stateDir: join(dir, 'state'), nodes, port, templateImage: TEMPLATE });
  }, 900_000);
  afterAll(async () => {
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves apid in maintenance mode on each node address', async () => {
    for (const node of nodes) {
      const cert = await peerCertificate(node, port);
      expect(cert.subject.CN).toBe('maintenance-service');
      expect(cert.subjectaltname).toContain(`IP Address:${node}`);
    }
    const records = await readNodeRecords(sim.stateDir);
    expect(Object.keys(records)).toEqual(nodes);
    expect(records[nodes[0]!]).toMatchObject({ mode: 'maintenance', installedImage: TEMPLATE, boots: 1 });
  });

  it('is found and reused for the same nodes, refused for others', async () => {
    expect((await findRunningTalosSim(sim.stateDir))?.pid).toBe(sim.pid);
    const again = await startTalosSim({ stateDir: sim.stateDir, nodes, port, templateImage: TEMPLATE });
    expect(again).toMatchObject({ started: false, pid: sim.pid });
    await expect(
      startTalosSim({ stateDir: sim.stateDir, nodes: [nodes[0]!], port, templateImage: TEMPLATE }),
    ).rejects.toMatchObject({ code: 'TALOS_SIM_BUSY' });
  });

  it('keeps the applied state private (0700 state dir)', async () => {
    expect((await stat(sim.stateDir)).mode & 0o777).toBe(0o700);
  });

  it('fails with the simulator error for a bad address', async () => {
    const other = join(dir, 'bad');
    await expect(
      startTalosSim({ stateDir: other, nodes: ['10.0.0.1'], port, templateImage: TEMPLATE }),
    ).rejects.toMatchObject({ code: 'TALOS_SIM_START_FAILED' });
    expect(await readFile(join(other, 'talos-sim.log'), 'utf8')).toMatch(/expected an IPv4 loopback address/);
  });

  it('stops: the process ends and the status file goes', async () => {
    const stateDir = join(dir, 'short');
    const short = await startTalosSim({
      stateDir,
      nodes: [`127.0.${base}.31`],
      port,
      templateImage: TEMPLATE,
    });
    await short.stop();
    expect(await findRunningTalosSim(stateDir)).toBeNull();
    expect(() => process.kill(short.pid, 0)).toThrow();
  });

  it('neither reuses nor signals a live process a stale sim.json names', async () => {
    const stateDir = join(dir, 'stale');
    await mkdir(stateDir, { recursive: true });
    // This test process: alive, but not a talos-sim serving stateDir.
    await writeFile(
      join(stateDir, 'sim.json'),
      JSON.stringify({
        pid: process.pid,
        port,
        nodes: [{ address: nodes[0], mode: 'configured', up: true }],
      }),
    );
    expect(await findRunningTalosSim(stateDir)).toBeNull();
    expect(await stopRunningTalosSim(stateDir)).toBeNull();
    // The running simulator serves another state dir: not this one's either.
    await writeFile(
      join(stateDir, 'sim.json'),
      JSON.stringify({ pid: sim.pid, port, nodes: [{ address: nodes[0], mode: 'configured', up: true }] }),
    );
    expect(await stopRunningTalosSim(stateDir)).toBeNull();
    expect(() => process.kill(sim.pid, 0)).not.toThrow();
  });

  it('stops a detached simulator of this state dir', { timeout: 60_000 }, async () => {
    const stateDir = join(dir, 'detached');
    const detached = await startTalosSim({
      stateDir,
      nodes: [`127.0.${base}.41`],
      port,
      templateImage: TEMPLATE,
      detach: true,
    });
    try {
      expect(await stopRunningTalosSim(stateDir)).toBe(detached.pid);
      expect(() => process.kill(detached.pid, 0)).toThrow();
    } finally {
      await detached.stop();
    }
  });
});

describe('talos-sim build cache', () => {
  it('keys the binary by the source hash: a source change gives another key, a test file does not', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'talos-sim-src-'));
    try {
      await cp(GO_SOURCE_DIR, copy, { recursive: true });
      const original = await sourceHash(copy);
      expect(original).toBe(await sourceHash(GO_SOURCE_DIR));
      await writeFile(join(copy, 'extra_test.go'), 'package main\n');
      expect(await sourceHash(copy)).toBe(original);
      await writeFile(join(copy, 'extra.go'), 'package main\n');
      expect(await sourceHash(copy)).not.toBe(original);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('reuses the cached binary', { timeout: 900_000 }, async () => {
    await ensureTalosSimBinary();
    const second = await ensureTalosSimBinary();
    expect(second).toMatchObject({ built: false, seconds: 0 });
    expect((await stat(second.path)).mode & 0o111).not.toBe(0);
  });
});
