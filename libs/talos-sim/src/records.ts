import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** <stateDir>/nodes/<address>/node.json, as the Go simulator writes it (state.go: NodeRecord). */
export const nodeRecordSchema = z.object({
  address: z.string(),
  mode: z.enum(['maintenance', 'configured']),
  installedImage: z.string(),
  stagedImage: z.string().optional(),
  bootId: z.string(),
  boots: z.number(),
  hostname: z.string().optional(),
  machineType: z.string().optional(),
  clusterId: z.string().optional(),
  clusterName: z.string().optional(),
  calls: z.record(z.string(), z.number()),
  applies: z
    .array(
      z.object({
        at: z.string(),
        mode: z.string(),
        inMaintenance: z.boolean(),
        dryRun: z.boolean().optional(),
        installImage: z.string().optional(),
        inlineManifests: z.array(z.string()).optional(),
      }),
    )
    .nullable()
    .transform((v) => v ?? []),
  upgrades: z
    .array(
      z.object({
        at: z.string(),
        from: z.string(),
        image: z.string(),
        stage: z.boolean().optional(),
        /** MachineService.Upgrade (talosctl --legacy) or LifecycleService.Upgrade (talosctl 1.13). */
        api: z.string().optional(),
      }),
    )
    .nullable()
    .transform((v) => v ?? []),
  /** Every ImageService.Pull: containerd namespace, the reference, and the pinned name the node answered. */
  images: z
    .array(z.object({ at: z.string(), namespace: z.string(), ref: z.string(), name: z.string() }))
    .nullish()
    .transform((v) => v ?? []),
  reboots: z
    .array(z.string())
    .nullable()
    .transform((v) => v ?? []),
  /** Every boot (apid serving again): when, in which mode, from which installer image. */
  bootLog: z
    .array(z.object({ at: z.string(), mode: z.enum(['maintenance', 'configured']), image: z.string() }))
    .nullish()
    .transform((v) => v ?? []),
  bootstrapped: z.boolean().optional(),
});
export type NodeRecord = z.infer<typeof nodeRecordSchema>;

/** Every node the simulator has a record of, by address. */
export async function readNodeRecords(stateDir: string): Promise<Record<string, NodeRecord>> {
  const dir = join(stateDir, 'nodes');
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: Record<string, NodeRecord> = {};
  for (const name of names.sort()) {
    const text = await readFile(join(dir, name, 'node.json'), 'utf8').catch(() => null);
    if (text !== null) out[name] = nodeRecordSchema.parse(JSON.parse(text));
  }
  return out;
}

/** ApplyConfiguration calls received, over all nodes (dry runs included): 0 on a no-op run. */
export async function applyConfigurationCount(stateDir: string): Promise<number> {
  const records = await readNodeRecords(stateDir);
  return Object.values(records).reduce((n, r) => n + (r.calls.ApplyConfiguration ?? 0), 0);
}

/** The machine config a node was last given (it holds the cluster's secrets: the file is 0600). */
export async function readAppliedConfig(stateDir: string, address: string): Promise<string | null> {
  return readFile(join(stateDir, 'nodes', address, 'config.yaml'), 'utf8').catch(() => null);
}

/** The cluster.inlineManifests a node received, by name. */
export async function readInlineManifests(
  stateDir: string,
  address: string,
): Promise<Record<string, string>> {
  const dir = join(stateDir, 'nodes', address, 'inline-manifests');
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: Record<string, string> = {};
  for (const name of names.sort()) out[name.replace(/\.yaml$/, '')] = await readFile(join(dir, name), 'utf8');
  return out;
}
