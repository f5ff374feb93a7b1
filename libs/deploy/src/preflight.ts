import { InfraError, isInfraError } from '@infra/core';
import type { ProxmoxClient, ProxmoxErrorCode } from '@infra/proxmox-client';
import type { DeployErrorCode } from './error-codes';
import {
  chooseTemplates,
  type ObservedTemplate,
  splitTags,
  type TemplateChoice,
  type WantedTemplate,
} from './templates';

/**
 * Read-only checks before tofu runs, so bad input fails with one error that names the config field instead
 * of a provider error halfway through a clone: the token works, the node is in the cluster, the disk storage
 * takes VM images there, and every wanted template exists. Also what the root module needs to know about
 * the cluster: its online nodes and the clone source per node.
 */
export interface PreflightInput {
  client: ProxmoxClient;
  /** `infra.config.yaml: environments.<env>`, the prefix of every field named in an error. */
  configLabel: string;
  /** The secrets file, named when the token is refused. */
  secretsFile: string;
  node: string;
  diskStorage: string;
  templates: Readonly<Record<string, WantedTemplate>>;
}

export interface ClusterFacts {
  nodes: string[];
  templates: Record<string, TemplateChoice>;
}

const DISK_KEY = /^(ide|sata|scsi|virtio)\d+$|^efidisk0$|^tpmstate0$/;

export async function preflight(input: PreflightInput): Promise<ClusterFacts> {
  const { client, configLabel, node, diskStorage } = input;
  const resources = await client.clusterResources().catch((error: unknown) => {
    throw authFailure(error, input.secretsFile) ?? error;
  });
  const nodes = resources
    .filter((r) => r.type === 'node' && r.status === 'online' && typeof r.node === 'string')
    .map((r) => r.node as string)
    .sort();
  if (!nodes.includes(node)) {
    throw new InfraError<DeployErrorCode>(
      'DEPLOY_NODE_NOT_FOUND',
      `${configLabel}: proxmox.node: "${node}" is not an online node of this Proxmox cluster (online: ${nodes.join(', ') || 'none'})`,
      {
        hint: 'set proxmox.node to the node name Proxmox shows (Datacenter > nodes; `hostname` on the host)',
      },
    );
  }
  const storages = resources.filter((r) => r.type === 'storage' && r.node === node);
  const disks = storages.find((r) => r.storage === diskStorage);
  if (!disks) {
    throw new InfraError<DeployErrorCode>(
      'DEPLOY_STORAGE_NOT_FOUND',
      `${configLabel}: proxmox.storage.disks: storage "${diskStorage}" does not exist on node ${node} (there: ${storages.map((s) => s.storage).join(', ')})`,
      { hint: 'set proxmox.storage.disks to a storage with the "images" content type, e.g. local-lvm' },
    );
  }
  const content = String(disks.content ?? '').split(',');
  if (!content.includes('images')) {
    throw new InfraError<DeployErrorCode>(
      'DEPLOY_STORAGE_NO_IMAGES',
      `${configLabel}: proxmox.storage.disks: storage "${diskStorage}" on node ${node} does not hold VM disks (content: ${content.join(',') || 'none'}; needs "images")`,
      {
        hint: `pick a storage with the "images" content type, or enable it: pvesm set ${diskStorage} --content ${[...content, 'images'].filter(Boolean).join(',')}`,
      },
    );
  }
  const sharedStorages = new Set(
    resources.filter((r) => r.type === 'storage' && Boolean(r.shared)).map((r) => String(r.storage)),
  );
  const wantedTags = new Set(Object.values(input.templates).map((t) => t.tag));
  const observed: ObservedTemplate[] = [];
  for (const r of resources) {
    if (r.type !== 'qemu' || !r.template || typeof r.vmid !== 'number' || typeof r.node !== 'string')
      continue;
    const tags = splitTags(typeof r.tags === 'string' ? r.tags : undefined);
    if (!tags.some((tag) => wantedTags.has(tag))) continue;
    const config = (await client.vmConfig(r.node, r.vmid)) as Record<string, unknown>;
    const volumeStorages = Object.entries(config)
      .filter(([key, value]) => DISK_KEY.test(key) && typeof value === 'string' && !/media=cdrom/.test(value))
      .map(([, value]) => String(value).split(':')[0]!);
    observed.push({
      vmid: r.vmid,
      node: r.node,
      tags,
      shared: volumeStorages.length > 0 && volumeStorages.every((s) => sharedStorages.has(s)),
    });
  }
  return { nodes, templates: chooseTemplates(input.templates, observed, nodes, node) };
}

/** A refused token, named by the secrets file it came from (never by its value). */
function authFailure(error: unknown, secretsFile: string): InfraError<DeployErrorCode> | undefined {
  if (!isInfraError<ProxmoxErrorCode>(error, 'PVE_AUTH_FAILED')) return undefined;
  return new InfraError<DeployErrorCode>(
    'DEPLOY_AUTH_FAILED',
    `${secretsFile}: proxmox.tokenId / proxmox.tokenSecret: Proxmox refused the API token (401)`,
    {
      hint: 'check the token exists and is not expired (pveum user token list <user>), then fix it with `./infra secrets edit <file>`',
      cause: error,
    },
  );
}
