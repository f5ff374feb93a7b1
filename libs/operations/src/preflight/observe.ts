import type { ProxmoxClient } from '@infra/proxmox-client';
import { clusterVms } from '../cluster-vms';
import type { HostFacts, Wanted } from './facts';

/** Reads everything the checks need, with GETs only. `paths`: the ACL paths to ask about. */
export async function observeHost(
  client: ProxmoxClient,
  wanted: Wanted,
  paths: readonly string[],
): Promise<HostFacts> {
  const version = await client.version();
  const resources = await client.clusterResources();
  const onlineNodes = resources
    .filter((r) => r.type === 'node' && r.status === 'online' && typeof r.node === 'string')
    .map((r) => r.node as string)
    .sort();
  const nodeKnown = onlineNodes.includes(wanted.node);
  const held = new Map<string, Set<string>>();
  for (const path of paths) {
    const answer = await client.permissions({ path });
    held.set(path, new Set(Object.keys(answer[path] ?? {})));
  }
  const [storages, bridges, pci] = nodeKnown
    ? await Promise.all([
        client.nodeStorages(wanted.node),
        client.networkInterfaces(wanted.node, 'any_bridge'),
        client.listHostPci(wanted.node),
      ])
    : [[], [], []];
  const mappings = await client.pciMappings(nodeKnown ? wanted.node : undefined);
  const mapping = mappings.find((m) => m.id === wanted.gpu.mapping);
  return {
    pveVersion: String(version.version),
    onlineNodes,
    storages: storages.map((s) => ({
      id: String(s.storage),
      type: String(s.type),
      content: String(s.content ?? '')
        .split(',')
        .filter(Boolean),
    })),
    bridges: bridges.map((b) => b.iface).sort(),
    vms: clusterVms(resources),
    ...(mapping ? { mapping: { id: mapping.id, map: mapping.map, checks: mapping.checks ?? [] } } : {}),
    pci: pci.map((d) => ({
      id: d.id,
      vendor: d.vendor,
      device: d.device,
      class: d.class,
      iommugroup: Number(d.iommugroup),
      ...(d.subsystem_vendor ? { subsystemVendor: d.subsystem_vendor } : {}),
      ...(d.subsystem_device ? { subsystemDevice: d.subsystem_device } : {}),
    })),
    held,
  };
}
