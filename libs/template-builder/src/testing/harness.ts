import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Environment, loadEnvironment } from '@infra/config';
import { type FactorySimulator, startFactorySimulator } from '@infra/factory-sim';
import { ProxmoxClient } from '@infra/proxmox-client';
import { realHost } from '@infra/proxmox-connect';
import { type FaultRule, type RequestLogEntry, type Simulator, startSimulator } from '@infra/pve-sim';
import type { Connection } from '../connect';

/**
 * Test and benchmark support: a Proxmox simulator and a factory simulator in a temp directory, an
 * infra.config.yaml + schematic there, and a Connection to both. Not exported from the package index.
 */
export interface Harness {
  dir: string;
  env: Environment;
  sim: Simulator;
  factory: FactorySimulator;
  client: ProxmoxClient;
  connection: Connection;
  /** Request log entries (PVE_SIM_LOG format) written since `mark()`. */
  logSince(mark: number): Promise<RequestLogEntry[]>;
  /** Current number of request log entries. */
  logMark(): Promise<number>;
  setExtensions(extensions: string[]): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  extensions?: string[];
  talosVersion?: string;
  vmidRange?: { start: number; end: number };
  importEnabled?: boolean;
  faults?: FaultRule[];
  taskMs?: number;
  /** Replace the factory URL the build sees (e.g. a closed port). */
  factoryUrl?: string;
}

const schematicYaml = (extensions: string[]) =>
  `customization:\n  systemExtensions:\n    officialExtensions:\n${extensions.map((e) => `      - ${e}\n`).join('')}`;

async function readLog(file: string): Promise<RequestLogEntry[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RequestLogEntry);
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'template-builder-'));
  const logFile = join(dir, 'pve-requests.jsonl');
  const sim = await startSimulator({
    stateDir: join(dir, 'sim'),
    log: logFile,
    timing: { taskMs: options.taskMs ?? 20 },
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const token = await sim.issueToken('root@pam!test');
  const requests: Array<{ method: string; path: string }> = [];
  const client = new ProxmoxClient({
    endpoint: sim.url,
    auth: { type: 'token', tokenId: token.tokenId, secret: token.secret },
    tls: { fingerprint: sim.fingerprint },
    onRequest: (info) => {
      if (info.attempt === 1) requests.push({ method: info.method, path: info.path });
    },
    retry: { baseDelayMs: 5, maxDelayMs: 20, lockBaseDelayMs: 5 },
  });
  if (options.importEnabled !== false) {
    const config = (await client.storageConfig('local')) as { content?: string };
    await client.updateStorage('local', { content: `${config.content ?? 'iso'},import` });
  }
  const factory = await startFactorySimulator();
  const range = options.vmidRange ?? { start: 9000, end: 9099 };
  await writeFile(
    join(dir, 'schematic.yaml'),
    schematicYaml(options.extensions ?? ['siderolabs/qemu-guest-agent']),
  );
  await writeFile(
    join(dir, 'infra.config.yaml'),
    [
      'catalog:',
      '  proxmox: { node: pve, bridge: vmbr0, storage: { images: local, disks: local-lvm } }',
      `  templates: { vmidRange: { start: ${range.start}, end: ${range.end} } }`,
      '  talos:',
      `    version: ${options.talosVersion ?? 'v1.13.9'}`,
      '    kubernetesVersion: 1.36.3',
      '    platform: nocloud',
      '    schematic: schematic.yaml',
      '    factory: embedded',
      '    hardware: { cores: 2, memoryMiB: 4096, diskGiB: 16 }',
      '  gpu: { mapping: testgpu }',
      'environments:',
      '  local:',
      '    proxmox: { endpoint: embedded }',
      '    secrets: secrets/local.enc.yaml',
      '',
    ].join('\n'),
  );
  const env = await loadEnvironment('local', { file: join(dir, 'infra.config.yaml') });
  const connection: Connection = {
    client,
    factoryUrl: async () => options.factoryUrl ?? factory.url,
    // The harness's simulator plays a real, bare PVE (import content as configured above), not the demo host.
    host: realHost,
    requests,
    close: async () => {},
  };
  return {
    dir,
    env,
    sim,
    factory,
    client,
    connection,
    logMark: async () => (await readLog(logFile)).length,
    logSince: async (mark) => {
      await sim.idle();
      await new Promise((r) => setTimeout(r, 50)); // the log is appended asynchronously
      return (await readLog(logFile)).slice(mark);
    },
    setExtensions: (extensions) => writeFile(join(dir, 'schematic.yaml'), schematicYaml(extensions)),
    stop: async () => {
      await client.close();
      await sim.stop();
      await factory.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
