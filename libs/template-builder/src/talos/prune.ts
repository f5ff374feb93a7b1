import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import type { ProxmoxClient } from '@infra/proxmox-client';
import { type Connection, connectEnvironment } from '../connect';
import { deleteVolume } from '../execute';
import { parseTemplateDescription, splitTags, type TemplateDescription, templateFingerprint } from '../plan';
import { TALOS_TAGS, talosRecipe } from '../recipes/talos';

/** A Talos template this project built (tags + JSON description). */
export interface ManagedTemplate {
  vmid: number;
  name?: string;
  description: TemplateDescription;
}

export interface PrunePlan {
  keep: Array<ManagedTemplate & { reason: string }>;
  remove: Array<ManagedTemplate & { volume?: string }>;
}

/**
 * Pure: keep the current template (the one matching the configuration), the `keep` newest others, and any
 * template that still has linked clones; remove the rest, with their import volumes unless a kept template
 * still refers to the same volume.
 */
export function planPrune(
  templates: readonly ManagedTemplate[],
  options: { keep: number; currentFingerprint?: string; usedBy: ReadonlyMap<number, number[]> },
): PrunePlan {
  const sorted = [...templates].sort(
    (a, b) => b.description.builtAt.localeCompare(a.description.builtAt) || b.vmid - a.vmid,
  );
  const keep: PrunePlan['keep'] = [];
  const removeList: ManagedTemplate[] = [];
  let newestKept = 0;
  for (const t of sorted) {
    const users = options.usedBy.get(t.vmid) ?? [];
    if (t.description.fingerprint === options.currentFingerprint)
      keep.push({ ...t, reason: 'matches the current configuration' });
    else if (users.length > 0)
      keep.push({ ...t, reason: `in use by linked clone${users.length > 1 ? 's' : ''} ${users.join(', ')}` });
    else if (newestKept < options.keep) {
      newestKept++;
      keep.push({ ...t, reason: `one of the ${options.keep} newest` });
    } else removeList.push(t);
  }
  const keptVolumes = new Set(keep.map((t) => t.description.importVolume));
  const remove = removeList.map((t) => ({
    ...t,
    ...(keptVolumes.has(t.description.importVolume) ? {} : { volume: t.description.importVolume }),
  }));
  // One volume may back several removed templates: delete it once.
  const seen = new Set<string>();
  for (const r of remove) {
    if (r.volume && seen.has(r.volume)) delete r.volume;
    else if (r.volume) seen.add(r.volume);
  }
  return { keep, remove };
}

/** Managed templates on the node and, for each, the VMs whose disks are linked clones of it. */
export async function observeManagedTemplates(
  client: ProxmoxClient,
  node: string,
): Promise<{ templates: ManagedTemplate[]; usedBy: Map<number, number[]> }> {
  const vms = await client.listVms(node);
  const templates: ManagedTemplate[] = [];
  const usedBy = new Map<number, number[]>();
  const configs = new Map<number, Record<string, unknown>>();
  for (const vm of vms)
    configs.set(vm.vmid, (await client.vmConfig(node, vm.vmid)) as Record<string, unknown>);
  for (const vm of vms) {
    const tags = splitTags(vm.tags);
    if (!vm.template || !TALOS_TAGS.every((t) => tags.includes(t))) continue;
    const description = parseTemplateDescription(configs.get(vm.vmid)?.description as string | undefined);
    if (description?.os === 'talos')
      templates.push({ vmid: vm.vmid, ...(vm.name ? { name: vm.name } : {}), description });
  }
  for (const t of templates) {
    const base = new RegExp(`(^|[:/])base-${t.vmid}-disk-`);
    const users = vms
      .filter((vm) => vm.vmid !== t.vmid)
      .filter((vm) =>
        Object.values(configs.get(vm.vmid) ?? {}).some((v) => typeof v === 'string' && base.test(v)),
      )
      .map((vm) => vm.vmid);
    if (users.length > 0) usedBy.set(t.vmid, users);
  }
  return { templates, usedBy };
}

export interface PruneReport {
  environment: string;
  node: string;
  applied: boolean;
  keep: Array<{ vmid: number; name?: string; talosVersion: string; builtAt: string; reason: string }>;
  remove: Array<{ vmid: number; name?: string; talosVersion: string; builtAt: string; volume?: string }>;
}

export async function pruneTalosTemplates(
  environment: Environment,
  options: { keep: number; apply: boolean; log?: Logger; connection?: Connection },
): Promise<PruneReport> {
  const connection = options.connection ?? (await connectEnvironment(environment));
  try {
    const node = environment.proxmox.node;
    const { templates, usedBy } = await observeManagedTemplates(connection.client, node);
    const currentFingerprint = templateFingerprint(await talosRecipe(environment));
    const plan = planPrune(templates, { keep: options.keep, currentFingerprint, usedBy });
    if (options.apply) {
      for (const t of plan.remove) {
        options.log?.step(`removing template ${t.vmid} (${t.name ?? 'unnamed'})`);
        await connection.client.deleteVm(node, t.vmid, { purge: true, 'destroy-unreferenced-disks': true });
        if (t.volume) {
          options.log?.info(`removing image volume ${t.volume}`);
          await deleteVolume(connection.client, node, t.volume);
        }
      }
    }
    const row = (t: ManagedTemplate) => ({
      vmid: t.vmid,
      ...(t.name ? { name: t.name } : {}),
      talosVersion: t.description.identity.talosVersion ?? '',
      builtAt: t.description.builtAt,
    });
    return {
      environment: environment.name,
      node,
      applied: options.apply,
      keep: plan.keep.map((t) => ({ ...row(t), reason: t.reason })),
      remove: plan.remove.map((t) => ({ ...row(t), ...(t.volume ? { volume: t.volume } : {}) })),
    };
  } finally {
    if (!options.connection) await connection.close();
  }
}

export function formatPruneReport(report: PruneReport): string {
  const lines = [`Talos templates on ${report.node} (environment ${report.environment}):`];
  for (const k of report.keep)
    lines.push(`  keep    ${k.vmid} ${k.name ?? ''} ${k.talosVersion} built ${k.builtAt} — ${k.reason}`);
  for (const r of report.remove) {
    lines.push(
      `  ${report.applied ? 'removed' : 'remove '} ${r.vmid} ${r.name ?? ''} ${r.talosVersion} built ${r.builtAt}${r.volume ? ` + volume ${r.volume}` : ''}`,
    );
  }
  if (report.keep.length + report.remove.length === 0) lines.push('  (none)');
  if (!report.applied && report.remove.length > 0)
    lines.push('dry run: nothing was removed; add --apply to remove them');
  return lines.join('\n');
}
