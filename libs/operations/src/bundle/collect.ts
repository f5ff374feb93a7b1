import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { Environment } from '@infra/config';
import { type Logger, redact } from '@infra/core';
import type { KnownIdentifier } from './anonymise';

/** One file of the bundle before anonymisation: its path inside the bundle and where it came from. */
export interface CollectedItem {
  path: string;
  source: string;
  text: string;
}
/** A collector that could not run: the manifest says so (with the reason, anonymised) instead of the file. */
export interface SkippedItem {
  path: string;
  source: string;
  reason: string;
}

export interface Collected {
  items: CollectedItem[];
  skipped: SkippedItem[];
  /** Identifiers met on the way (node names, serials, the token id): replaced wherever they appear. */
  known: KnownIdentifier[];
  /** Values that must not appear at all (the environment's secrets). */
  secrets: string[];
}

/** A log keeps its last part: the newest lines are the ones a diagnosis needs. */
export const MAX_LOG_BYTES = 256 * 1024;
const MAX_LOG_FILES = 40;
const MAX_VM_CONFIGS = 200;

export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const reasonOf = (error: unknown) => redact(error instanceof Error ? error.message : String(error));

/** The log files the project keeps under `<repo>/.infra/` (simulators, tool runs), newest content last. */
export async function collectLogs(repoRoot: string): Promise<CollectedItem[]> {
  const root = join(repoRoot, '.infra');
  const entries = await readdir(root, { withFileTypes: true, recursive: true }).catch(() => []);
  const logs = entries
    .filter((e) => e.isFile() && /\.log(?:\.\d+)?$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort()
    .slice(0, MAX_LOG_FILES);
  const items: CollectedItem[] = [];
  for (const file of logs) {
    const size = (await stat(file)).size;
    const buffer = await readFile(file);
    const tail = size > MAX_LOG_BYTES ? buffer.subarray(size - MAX_LOG_BYTES) : buffer;
    const rel = relative(root, file).split(sep).join('/');
    items.push({
      path: `logs/${rel}`,
      source: `.infra/${rel}${size > MAX_LOG_BYTES ? ` (last ${MAX_LOG_BYTES} of ${size} bytes)` : ''}`,
      text: tail.toString('utf8'),
    });
  }
  return items;
}

/** The workflow run records of the environment (`.infra/workflows/<env>/*.json`: each step, its outcome). */
export async function collectRuns(repoRoot: string, envName: string): Promise<CollectedItem[]> {
  const dir = join(repoRoot, '.infra', 'workflows', envName);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const items: CollectedItem[] = [];
  for (const name of names)
    items.push({
      path: `runs/${name}`,
      source: `.infra/workflows/${envName}/${name}`,
      text: await readFile(join(dir, name), 'utf8'),
    });
  return items;
}

/** Identifiers the environment itself names: the endpoint's host, the node, the pinned fingerprint, ssh users. */
export function environmentIdentifiers(environment: Environment): KnownIdentifier[] {
  const known: KnownIdentifier[] = [];
  const endpoint = environment.proxmox.endpoint;
  if (endpoint !== 'embedded' && URL.canParse(endpoint)) {
    const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
    if (!/^[\d.]+$/.test(host) && !host.includes(':')) known.push({ kind: 'hostname', value: host });
  }
  known.push({ kind: 'hostname', value: environment.proxmox.node });
  const tls = environment.proxmox.tls as { fingerprint?: string } | undefined;
  if (tls?.fingerprint) known.push({ kind: 'fingerprint', value: tls.fingerprint });
  const ssh = environment.gpu.host?.ssh;
  if (ssh) {
    const at = ssh.lastIndexOf('@');
    if (at > 0) known.push({ kind: 'user', value: ssh.slice(0, at) });
    known.push({ kind: 'hostname', value: ssh.slice(at + 1).replace(/:\d+$/, '') });
  }
  return known;
}

/** The person running this: their user name and home directory appear in paths and logs. */
export function localIdentifiers(): {
  known: KnownIdentifier[];
  paths: Array<{ prefix: string; label: string }>;
} {
  const user = userInfo().username;
  return {
    known: user ? [{ kind: 'user', value: user }] : [],
    paths: [{ prefix: homedir(), label: '~' }],
  };
}

/** Serial numbers in VM configs (`smbios1: uuid=…,serial=…`, base64-encoded when `base64=1`). */
function serialsOf(config: Record<string, unknown>): string[] {
  const smbios = typeof config.smbios1 === 'string' ? config.smbios1 : '';
  const fields = Object.fromEntries(
    smbios.split(',').map((part) => {
      const eq = part.indexOf('=');
      return eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    }),
  );
  const found: string[] = [];
  for (const key of ['serial', 'sku', 'uuid']) {
    const value = fields[key];
    if (!value) continue;
    found.push(value);
    if (fields.base64 === '1' && key !== 'uuid') found.push(Buffer.from(value, 'base64').toString('utf8'));
  }
  return found;
}

export interface InventoryClient {
  version(): Promise<unknown>;
  nodes(): Promise<Array<{ node: string } & Record<string, unknown>>>;
  clusterResources(): Promise<Array<Record<string, unknown>>>;
  storages(): Promise<unknown>;
  networkInterfaces(node: string): Promise<unknown>;
  listHostPci(node: string): Promise<unknown>;
  pciMappings(): Promise<unknown>;
  vmConfig(node: string, vmid: number): Promise<unknown>;
}

/** The host as the API shows it (GETs only): nodes, resources, storages, bridges, PCI devices, VM configs. */
export async function collectInventory(
  client: InventoryClient,
): Promise<{ item: CollectedItem; known: KnownIdentifier[]; pveVersion: unknown }> {
  const [pveVersion, nodes, resources, storages, mappings] = await Promise.all([
    client.version(),
    client.nodes(),
    client.clusterResources(),
    client.storages(),
    client.pciMappings(),
  ]);
  const known: KnownIdentifier[] = nodes.map((n) => ({ kind: 'hostname' as const, value: n.node }));
  const perNode: Record<string, { network: unknown; pci: unknown }> = {};
  for (const { node } of nodes) {
    const [network, pci] = await Promise.all([
      client.networkInterfaces(node).catch((error: unknown) => ({ error: reasonOf(error) })),
      client.listHostPci(node).catch((error: unknown) => ({ error: reasonOf(error) })),
    ]);
    perNode[node] = { network, pci };
  }
  const vms = resources
    .filter((r) => r.type === 'qemu' && typeof r.vmid === 'number' && typeof r.node === 'string')
    .slice(0, MAX_VM_CONFIGS);
  const configs: Record<string, unknown> = {};
  for (const vm of vms) {
    const config = await client
      .vmConfig(vm.node as string, vm.vmid as number)
      .catch((error: unknown) => ({ error: reasonOf(error) }));
    configs[String(vm.vmid)] = config;
    for (const serial of serialsOf(config as Record<string, unknown>))
      known.push({ kind: 'serial', value: serial });
  }
  return {
    item: {
      path: 'inventory.json',
      source:
        'Proxmox API: /version, /nodes, /cluster/resources, /storage, /nodes/{node}/network, /nodes/{node}/hardware/pci, /cluster/mapping/pci, /nodes/{node}/qemu/{vmid}/config',
      text: json({ version: pveVersion, nodes, resources, storages, mappings, perNode, vmConfigs: configs }),
    },
    known,
    pveVersion,
  };
}

/** The files of a GPU facts bundle (gpu-host.ts collect) as they are, and the plan the environment would get. */
export async function collectGpuFacts(
  dir: string,
  environment: Environment,
  logger?: Logger,
): Promise<{ items: CollectedItem[]; plan?: CollectedItem }> {
  const { gpuPlanFromFacts } = await import('../gpu-plan');
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const items: CollectedItem[] = [];
  for (const entry of entries.filter((e) => e.isFile())) {
    const file = join(entry.parentPath, entry.name);
    const rel = relative(dir, file).split(sep).join('/');
    items.push({
      path: `gpu-facts/${rel}`,
      source: `GPU facts bundle: ${rel}`,
      text: await readFile(file, 'utf8'),
    });
  }
  try {
    const plan = await gpuPlanFromFacts(dir, environment);
    return {
      items,
      plan: { path: 'gpu-plan.json', source: 'gpu-host-setup planHost(facts bundle)', text: json(plan) },
    };
  } catch (error) {
    logger?.warn(`GPU plan from ${dir}: ${reasonOf(error)}`);
    return { items };
  }
}

export { reasonOf };
