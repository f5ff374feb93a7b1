import { InfraError } from '@infra/core';
import type { DeployErrorCode } from './error-codes';

/**
 * Finding golden templates by their fingerprint tag (`fp-<24 hex>`, set by the template builder), never by
 * a VMID written down somewhere. Per target node the best source is a template on that node; otherwise a
 * template whose disks all live on shared storage (NFS, Ceph RBD), which Proxmox clones straight onto any
 * node. Pure: the caller passes what it observed.
 */
export interface WantedTemplate {
  /** The fingerprint tag, e.g. `fp-0123456789abcdef01234567`. */
  tag: string;
  /** Where the fingerprint comes from, for the error (e.g. `infra.config.yaml: environments.local.talos`). */
  source: string;
  /** The command that builds it, for the error's hint. */
  build: string;
}

export interface ObservedTemplate {
  vmid: number;
  node: string;
  tags: readonly string[];
  /** True when every disk of the template is on shared storage. */
  shared: boolean;
}

/** For one template name: the clone source per node, as the root modules take it (`var.templates`). */
export type TemplateChoice = Record<string, { vm_id: number; node_name: string }>;

/** `a;b` or `a,b` (PVE returns `;`-separated tags). */
export const splitTags = (tags: string | undefined): string[] =>
  (tags ?? '').split(/[;,\s]+/).filter(Boolean);

export function chooseTemplates(
  wanted: Readonly<Record<string, WantedTemplate>>,
  observed: readonly ObservedTemplate[],
  nodes: readonly string[],
  primaryNode: string,
): Record<string, TemplateChoice> {
  const chosen: Record<string, TemplateChoice> = {};
  for (const [name, want] of Object.entries(wanted)) {
    const candidates = observed.filter((t) => t.tags.includes(want.tag)).sort((a, b) => a.vmid - b.vmid);
    const perNode: TemplateChoice = {};
    for (const node of nodes) {
      const pick = candidates.find((t) => t.node === node) ?? candidates.find((t) => t.shared);
      if (pick) perNode[node] = { vm_id: pick.vmid, node_name: pick.node };
    }
    if (!perNode[primaryNode]) {
      const elsewhere = candidates.map((t) => `VM ${t.vmid} on ${t.node} (node-local storage)`).join(', ');
      throw new InfraError<DeployErrorCode>(
        'DEPLOY_TEMPLATE_NOT_FOUND',
        `no template tagged ${want.tag} for "${name}" (${want.source}) on node ${primaryNode} or on shared storage${
          elsewhere ? `; found only ${elsewhere}` : ''
        }`,
        {
          hint: `build it first: ${want.build}${elsewhere ? ', or put the template on shared storage' : ''}`,
        },
      );
    }
    chosen[name] = perNode;
  }
  return chosen;
}
