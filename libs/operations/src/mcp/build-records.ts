import { z } from 'zod';

/**
 * The build results the template builder records: every template it makes carries a JSON description
 * (`managedBy: "infra build-image"` for the base template, `"infra golden-image"` for the Packer stage) with
 * the OS, fingerprint, build run, time, source and the recipe's identity. Reading them back from the host is
 * reading the builds' own record, the same one the next build trusts to decide "up to date".
 */
const descriptionSchema = z.looseObject({
  managedBy: z.enum(['infra build-image', 'infra golden-image']),
  os: z.string(),
  fingerprint: z.string(),
  buildRun: z.string().optional(),
  builtAt: z.string().optional(),
  source: z.looseObject({ url: z.string() }).optional(),
  identity: z.record(z.string(), z.string()).optional(),
});

export interface BuildRecord {
  os: string;
  stage: 'base' | 'golden';
  vmid: number;
  name: string;
  node: string;
  fingerprint: string;
  buildRun: string | null;
  builtAt: string | null;
  source: string | null;
  identity: Record<string, string>;
}

export interface BuildRecordsClient {
  clusterResources(type: 'vm'): Promise<Array<Record<string, unknown>>>;
  vmConfig(
    node: string,
    vmid: number,
  ): Promise<{ description?: string | undefined } & Record<string, unknown>>;
}

/** Parses one template's description; undefined when this project did not write it. */
export function parseBuildRecord(
  vm: { vmid: number; name: string; node: string },
  description: string | undefined,
): BuildRecord | undefined {
  if (!description) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(description);
  } catch {
    return undefined;
  }
  const parsed = descriptionSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const d = parsed.data;
  return {
    os: d.os,
    stage: d.managedBy === 'infra golden-image' ? 'golden' : 'base',
    ...vm,
    fingerprint: d.fingerprint,
    buildRun: d.buildRun ?? null,
    builtAt: d.builtAt ?? null,
    source: d.source?.url ?? null,
    identity: d.identity ?? {},
  };
}

/** Every template of this project on the cluster with its build record, newest build first. */
export async function readBuildRecords(client: BuildRecordsClient): Promise<BuildRecord[]> {
  const resources = await client.clusterResources('vm');
  const templates = resources.filter(
    (r) =>
      r.type === 'qemu' &&
      Boolean(r.template) &&
      typeof r.vmid === 'number' &&
      typeof r.node === 'string' &&
      String(r.tags ?? '')
        .split(/[;,\s]+/)
        .includes('infra'),
  );
  const records: BuildRecord[] = [];
  for (const t of templates) {
    const vm = { vmid: t.vmid as number, name: String(t.name ?? ''), node: t.node as string };
    const config = await client.vmConfig(vm.node, vm.vmid);
    const record = parseBuildRecord(
      vm,
      typeof config.description === 'string' ? config.description : undefined,
    );
    if (record) records.push(record);
  }
  return records.sort((a, b) => (b.builtAt ?? '').localeCompare(a.builtAt ?? '') || a.vmid - b.vmid);
}
