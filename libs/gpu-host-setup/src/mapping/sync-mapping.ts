import { InfraError } from '@infra/core';
import type { ProxmoxClient } from '@infra/proxmox-client';
import type { GpuHostErrorCode } from '../error-codes';
import type { PlanOptions } from '../plan/options';
import { checkIsolation, selectGpu } from '../plan/select-gpu';
import { decideMapping, desiredMapEntry, devicesFromApi, formatMapEntry } from './map-entry';

/** The part of the Proxmox client the mapping needs. */
export type MappingApi = Pick<
  ProxmoxClient,
  'listHostPci' | 'pciMappings' | 'pciMapping' | 'createPciMapping' | 'updatePciMapping'
>;

export interface SyncMappingOptions {
  node: string;
  /** Mapping id, e.g. `rtx4000ada` (config: gpu.mapping). */
  name: string;
  selector: PlanOptions['selector'];
  /** Defaults to DEFAULT_MAPPING_DESCRIPTION. */
  description?: string;
}

/**
 * Every mapping this tool creates carries a description: the 9.0 schema declares `description` required in
 * `GET /cluster/mapping/pci`, so a mapping without one cannot be listed by a client that checks responses, and
 * the text tells a person on the host who made the mapping.
 */
export const DEFAULT_MAPPING_DESCRIPTION = 'GPU passthrough, created by infra (gpu-host.ts map)';

export interface SyncMappingResult {
  action: 'create' | 'update' | 'none';
  name: string;
  entry: string;
  /** Diagnostics Proxmox reports for the mapping on this node (warnings only; errors throw). */
  warnings: string[];
}

/**
 * Creates or updates the cluster PCI resource mapping for the GPU (`/cluster/mapping/pci`). The GPU is found in
 * the node's own inventory (`/nodes/{node}/hardware/pci`, bridges included) with the same rules as the host
 * planner, so `id`, `iommugroup` and `subsystem-id` are exactly what Proxmox checks at VM start. Idempotent:
 * nothing is sent when the mapping already matches; an update carries the digest it read.
 */
export async function syncGpuMapping(
  api: MappingApi,
  options: SyncMappingOptions,
): Promise<SyncMappingResult> {
  const { devices, groups } = devicesFromApi(
    await api.listHostPci(options.node, { 'pci-class-blacklist': '' }),
  );
  if (groups.size === 0) {
    throw new InfraError<GpuHostErrorCode>('IOMMU_DISABLED', `node ${options.node} reports no IOMMU groups`, {
      hint: 'set the host up first (`gpu-host.ts apply`, then reboot) and check `gpu-host.ts verify`',
    });
  }
  const selection = selectGpu(devices, groups, options.selector);
  checkIsolation(selection, devices, groups);
  const desired = desiredMapEntry(selection, groups, options.node);

  const existing = (await api.pciMappings()).find((m) => m.id === options.name);
  const decision = decideMapping(existing, desired);
  if (decision.action === 'create') {
    await api.createPciMapping({
      id: options.name,
      map: decision.map,
      description: options.description ?? DEFAULT_MAPPING_DESCRIPTION,
    });
  } else if (decision.action === 'update') {
    const { digest } = await api.pciMapping(options.name);
    await api.updatePciMapping(options.name, { map: decision.map, ...(digest ? { digest } : {}) });
  }

  const checked = (await api.pciMappings(options.node)).find((m) => m.id === options.name);
  const checks = checked?.checks ?? [];
  const errors = checks.filter((c) => c.severity === 'error').map((c) => c.message);
  if (errors.length > 0) {
    throw new InfraError<GpuHostErrorCode>(
      'MAPPING_INVALID',
      `Proxmox reports the mapping "${options.name}" as invalid on ${options.node}: ${errors.join('; ')}`,
      {
        hint: 'the hardware changed or the inventory is stale; run map again, and check `gpu-host.ts verify` on the host',
      },
    );
  }
  return {
    action: decision.action,
    name: options.name,
    entry: formatMapEntry(desired),
    warnings: checks.filter((c) => c.severity === 'warning').map((c) => c.message),
  };
}
