import { access } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Environment } from '@infra/config';
import { type Logger, redact } from '@infra/core';
import { type DoctorReport, formatDoctorReport, runDoctor } from '../preflight/doctor';
import {
  addCounts,
  createAnonymiser,
  type IdentifierKind,
  type KnownIdentifier,
  type RedactionCounts,
} from './anonymise';
import { writeArchive } from './archive';
import {
  type CollectedItem,
  collectGpuFacts,
  collectInventory,
  collectLogs,
  collectRuns,
  environmentIdentifiers,
  json,
  localIdentifiers,
  reasonOf,
  type SkippedItem,
} from './collect';

export interface BundleOptions {
  environment: Environment;
  /** The archive to write (`.tar.gz`). */
  out: string;
  /** A GPU facts bundle directory (`gpu-host.ts collect --out <dir>`) to include, with the plan it gives. */
  factsDir?: string;
  logger?: Logger;
  /** Where SOPS keys (and the simulator's testing hooks) are read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** The bundle's timestamp (default now); entries carry it as their mtime. */
  now?: Date;
}

export interface ManifestItem {
  path: string;
  source: string;
  bytes: number;
  /** What was replaced in this file, as counts per kind (never the values). */
  redacted: RedactionCounts;
}

export interface BundleManifest {
  format: 'infra-diagnostics/1';
  environment: string;
  created: string;
  items: ManifestItem[];
  skipped: SkippedItem[];
  /** All replacements, per kind. */
  redacted: RedactionCounts;
  /** How many distinct values of each kind got a pseudonym. */
  pseudonyms: Partial<Record<IdentifierKind, number>>;
}

export interface BundleResult {
  out: string;
  bytes: number;
  manifest: BundleManifest;
  doctor: DoctorReport;
}

export const BUNDLE_ROOT = 'infra-diagnostics';

/** The resolved environment as config.json shows it: the secrets file is named, never read. */
function configView(environment: Environment) {
  const { repoRoot: _root, ...shown } = environment;
  return shown;
}

/** The pinned tools (mise.toml of the environment's repository, or else of this checkout) vs what is found. */
async function toolVersions(repoRoot: string) {
  const { doctor } = await import('@infra/toolchain');
  const { access } = await import('node:fs/promises');
  const { join, resolve } = await import('node:path');
  const own = resolve(import.meta.dirname, '../../../..');
  const root = await access(join(repoRoot, 'mise.toml')).then(
    () => repoRoot,
    () => own,
  );
  const report = await doctor({ root });
  return report.rows.map(({ tool, pinned, found, status }) => ({ tool, pinned, found, status }));
}

/**
 * Collects the diagnostics of an environment into one archive. Everything is gathered in memory first, then
 * every text passes the bundle's anonymiser and the core redactor, and only then is anything written: the
 * archive, atomically, 0600. A collector that fails (an unreachable host, no tofu state) is listed in the
 * manifest's `skipped` with its reason; the bundle is still written, since it is most wanted when things fail.
 */
export async function createBundle(options: BundleOptions): Promise<BundleResult> {
  const { environment, logger } = options;
  const now = options.now ?? new Date();
  const items: CollectedItem[] = [];
  const skipped: SkippedItem[] = [];
  const known: KnownIdentifier[] = [...environmentIdentifiers(environment)];
  const secrets: string[] = [];
  const local = localIdentifiers();
  known.push(...local.known);
  const step = async (path: string, source: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      skipped.push({ path, source, reason: reasonOf(error) });
    }
  };

  // The secrets only tell the anonymiser what to remove; none of them is collected.
  await step('secrets', environment.secrets, async () => {
    const { loadSecrets, secretNeedles } = await import('@infra/sops-secrets');
    const loaded = await loadSecrets(environment, options.env ? { env: options.env } : {});
    secrets.push(
      ...secretNeedles(loaded as unknown as Record<string, unknown>, 'secrets').map((n) => n.value),
    );
    const tokenId = loaded.proxmox.tokenId;
    known.push({ kind: 'token-id', value: tokenId });
    known.push({ kind: 'user', value: tokenId.slice(0, tokenId.indexOf('@')) });
    known.push({ kind: 'user', value: loaded.admin.username });
  });

  items.push({
    path: 'config.json',
    source: relative(environment.repoRoot, environment.configFile),
    text: json(configView(environment)),
  });

  logger?.step('doctor');
  const doctor = await runDoctor({
    environment,
    ...(logger ? { logger } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  items.push({ path: 'doctor.json', source: 'runDoctor (scripts/doctor.ts --json)', text: json(doctor) });
  items.push({
    path: 'doctor.txt',
    source: 'runDoctor (scripts/doctor.ts)',
    text: `${formatDoctorReport(doctor)}\n`,
  });

  let pveVersion: unknown;
  logger?.step('inventory');
  await step('inventory.json', 'Proxmox API (GETs only)', async () => {
    const { connectProxmox } = await import('@infra/proxmox-connect');
    const connection = await connectProxmox(environment, {
      ...(logger ? { logger } : {}),
      ...(options.env ? { env: options.env } : {}),
      retry: { getAttempts: 2 },
    });
    try {
      const client = connection.client;
      const inventory = await collectInventory({
        version: () => client.version(),
        nodes: () => client.nodes() as Promise<Array<{ node: string } & Record<string, unknown>>>,
        clusterResources: () => client.clusterResources() as Promise<Array<Record<string, unknown>>>,
        storages: () => client.storages(),
        networkInterfaces: (node) => client.networkInterfaces(node),
        listHostPci: (node) => client.listHostPci(node),
        pciMappings: () => client.pciMappings(),
        vmConfig: (node, vmid) => client.vmConfig(node, vmid),
      });
      items.push(inventory.item);
      known.push(...inventory.known);
      pveVersion = inventory.pveVersion;
    } finally {
      await connection.close();
    }
  });

  logger?.step('versions');
  await step('versions.json', 'toolchain doctor, PVE /version, infra.config.yaml talos', async () => {
    const tools = await toolVersions(environment.repoRoot).catch((error: unknown) => ({
      error: reasonOf(error),
    }));
    items.push({
      path: 'versions.json',
      source: 'toolchain doctor (mise.toml pins vs found), PVE /version, infra.config.yaml talos.version',
      text: json({
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        proxmox: pveVersion ?? null,
        talos: environment.talos.version,
        kubernetes: environment.talos.kubernetesVersion ?? null,
        tools,
      }),
    });
  });

  await step('runs/', `.infra/workflows/${environment.name}/*.json`, async () => {
    const runs = await collectRuns(environment.repoRoot, environment.name);
    items.push(...runs);
    if (runs.length === 0) throw new Error('no workflow run recorded yet (./infra up writes one)');
  });
  await step('logs/', '.infra/**/*.log', async () => {
    const logs = await collectLogs(environment.repoRoot);
    items.push(...logs);
    if (logs.length === 0) throw new Error('no log files under .infra/');
  });

  if (options.factsDir) {
    const dir = options.factsDir;
    await step('gpu-facts/', dir, async () => {
      const gpu = await collectGpuFacts(dir, environment, logger);
      items.push(...gpu.items, ...(gpu.plan ? [gpu.plan] : []));
    });
  } else {
    skipped.push({
      path: 'gpu-facts/',
      source: '--facts <dir>',
      reason: 'no GPU facts bundle given (write one with `gpu-host.ts collect --out <dir>`)',
    });
  }

  logger?.step('tofu plan');
  await step('tofu-plan.json', 'tofu plan of terraform/environments/<env> (@infra/deploy)', async () => {
    const { deployPlanSummary, deployStateFile, hasDeployState } = await import('../plan-summary');
    if (!(await hasDeployState(environment)))
      throw new Error(
        `no tofu state at ${relative(environment.repoRoot, deployStateFile(environment))} (nothing deployed yet)`,
      );
    const summary = await deployPlanSummary(environment, {
      ...(logger ? { logger } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    items.push({ path: 'tofu-plan.json', source: `tofu plan of ${summary.rootDir}`, text: json(summary) });
  });

  const clusterState = join(
    environment.repoRoot,
    '.infra',
    'tofu',
    environment.name,
    'cluster',
    'terraform.tfstate',
  );
  if (
    await access(clusterState).then(
      () => true,
      () => false,
    )
  )
    skipped.push({
      path: 'tofu-plan-cluster.json',
      source: 'terraform/clusters/talos',
      reason:
        'the cluster stage is not planned here: its inputs come from libs/cluster (run `scripts/cluster.ts up` to see its plan)',
    });

  // Nothing has been written yet. Now every text is anonymised and redacted, and only then archived.
  const anonymiser = createAnonymiser({
    secrets,
    known,
    paths: [{ prefix: environment.repoRoot, label: '<repo>' }, ...local.paths].sort(
      (a, b) => b.prefix.length - a.prefix.length,
    ),
  });
  const totals: RedactionCounts = {};
  const manifestItems: ManifestItem[] = [];
  const files = items.map((item) => {
    // The anonymiser first (it counts what it removes), the core redactor after it as the safety net.
    const anonymised = anonymiser.anonymise(item.text);
    const text = redact(anonymised.text);
    const counts = anonymised.counts;
    addCounts(totals, counts);
    const path = anonymiser.anonymise(item.path).text;
    manifestItems.push({
      path,
      source: anonymiser.anonymise(item.source).text,
      bytes: Buffer.byteLength(text),
      redacted: counts,
    });
    return { path: `${BUNDLE_ROOT}/${path}`, text };
  });
  const manifest: BundleManifest = {
    format: 'infra-diagnostics/1',
    environment: environment.name,
    created: now.toISOString(),
    items: manifestItems,
    skipped: skipped.map((s) => ({
      path: s.path,
      source: redact(anonymiser.anonymise(s.source).text),
      reason: redact(anonymiser.anonymise(s.reason).text),
    })),
    redacted: totals,
    pseudonyms: anonymiser.distinct(),
  };
  files.push({ path: `${BUNDLE_ROOT}/manifest.json`, text: anonymiser.anonymise(json(manifest)).text });
  const bytes = await writeArchive(options.out, files, now);
  logger?.success(`diagnostics bundle ${options.out}: ${files.length} files, ${bytes} bytes`);
  return { out: options.out, bytes, manifest, doctor };
}
