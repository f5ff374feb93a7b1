import { ok, type RequestContext, type Route } from '../core';
import { dieError } from '../errors';
import { bool, list, str } from '../http/params';
import { parsePropertyString } from '../propstring';
import { pciMappingsDigest } from '../state/config-file';
import type { PciMapping, SimState } from '../state/schema';
import { findPciDevice, mappingIdsOf } from './hardware';

const MODIFIED = 'detected modified configuration - file changed by other user? Try again.';

/** PVE::Mapping::PCI::assert_valid: compare a map entry with the live device(s). Throws the die text. */
export function assertMappingValid(state: SimState, name: string, entry: Record<string, string>): void {
  const devices = state.nodes[entry.node ?? '']?.pci ?? [];
  const paths = (entry.path ?? '').split(';');
  paths.forEach((path, index) => {
    const device = findPciDevice(devices, path);
    if (!device) throw new Error(`pci device '${path}' not found`);
    const expected = mappingIdsOf(device);
    for (const prop of ['id', 'iommugroup', 'subsystem-id'] as const) {
      if (prop === 'iommugroup' && index > 0) continue;
      const want = expected[prop];
      const have = entry[prop];
      if (have === undefined) {
        if (prop === 'subsystem-id' && want !== undefined)
          throw new Error(`missing expected property '${prop}' for device '${path}'`);
        continue;
      }
      if (want !== undefined && String(want).toLowerCase() !== have.toLowerCase()) {
        throw new Error(`'${prop}' does not match for '${name}' (${want} != ${have})`);
      }
    }
  });
}

/** The map entries of a mapping for one node. */
export function nodeEntries(mapping: PciMapping, node: string): Array<Record<string, string>> {
  return mapping.map.map((m) => parsePropertyString(m)).filter((e) => e.node === node);
}

function view(ctx: RequestContext, id: string, mapping: PciMapping, checkNode?: string) {
  const item: Record<string, unknown> = {
    id,
    type: 'pci',
    map: mapping.map,
    digest: pciMappingsDigest(ctx.state.mappings.pci),
  };
  if (mapping.description !== undefined) item.description = mapping.description;
  if (mapping.mdev !== undefined) item.mdev = mapping.mdev ? 1 : 0;
  if (mapping['live-migration-capable'] !== undefined)
    item['live-migration-capable'] = mapping['live-migration-capable'] ? 1 : 0;
  if (checkNode !== undefined) {
    const checks: Array<{ severity: string; message: string }> = [];
    const entries = nodeEntries(mapping, checkNode);
    if (entries.length === 0)
      checks.push({ severity: 'warning', message: `No mapping for node ${checkNode}.` });
    for (const entry of entries) {
      try {
        assertMappingValid(ctx.state, id, entry);
      } catch (error) {
        checks.push({ severity: 'error', message: `Invalid configuration: ${(error as Error).message}` });
      }
    }
    item.checks = checks;
  }
  return item;
}

function applyOptions(ctx: RequestContext, mapping: PciMapping): void {
  const map = list(ctx.params, 'map');
  if (map) mapping.map = map;
  const description = str(ctx.params, 'description');
  if (description !== undefined) mapping.description = description;
  const mdev = bool(ctx.params, 'mdev');
  if (mdev !== undefined) mapping.mdev = mdev;
  const live = bool(ctx.params, 'live-migration-capable');
  if (live !== undefined) mapping['live-migration-capable'] = live;
}

/** `/cluster/mapping/pci` (pve-manager API2/Cluster/Mapping/PCI.pm) with the file-wide digest. */
export const mappingRoutes: Route[] = [
  {
    method: 'GET',
    template: '/cluster/mapping/pci',
    handler(ctx) {
      const checkNode = str(ctx.params, 'check-node');
      const items = Object.entries(ctx.state.mappings.pci)
        .filter(([id]) => {
          const held = ctx.core.perms.privileges(ctx.caller.authId, `/mapping/pci/${id}`);
          return held.has('Mapping.Modify') || held.has('Mapping.Use') || held.has('Mapping.Audit');
        })
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, mapping]) => view(ctx, id, mapping, checkNode));
      return ok(items);
    },
  },
  {
    method: 'POST',
    template: '/cluster/mapping/pci',
    async handler(ctx) {
      const id = str(ctx.params, 'id')!;
      if (ctx.state.mappings.pci[id])
        throw dieError(`create hardware mapping failed: pci ID '${id}' already defined`);
      const mapping: PciMapping = { map: [] };
      applyOptions(ctx, mapping);
      ctx.state.mappings.pci[id] = mapping;
      await ctx.core.store.save();
      return ok(null);
    },
  },
  {
    method: 'GET',
    template: '/cluster/mapping/pci/{id}',
    handler(ctx) {
      const id = str(ctx.params, 'id')!;
      const mapping = ctx.state.mappings.pci[id];
      if (!mapping) throw dieError(`mapping '${id}' not found`);
      return ok(view(ctx, id, mapping));
    },
  },
  {
    method: 'PUT',
    template: '/cluster/mapping/pci/{id}',
    async handler(ctx) {
      const id = str(ctx.params, 'id')!;
      const mapping = ctx.state.mappings.pci[id];
      if (!mapping) throw dieError(`update hardware mapping failed: pci ID '${id}' does not exist`);
      const digest = str(ctx.params, 'digest');
      if (digest !== undefined && digest !== pciMappingsDigest(ctx.state.mappings.pci))
        throw dieError(`update hardware mapping failed: ${MODIFIED}`);
      for (const key of (str(ctx.params, 'delete') ?? '').split(/[,;\s]+/).filter(Boolean)) {
        if (key === 'description' || key === 'mdev' || key === 'live-migration-capable') delete mapping[key];
      }
      applyOptions(ctx, mapping);
      await ctx.core.store.save();
      return ok(null);
    },
  },
  {
    method: 'DELETE',
    template: '/cluster/mapping/pci/{id}',
    async handler(ctx) {
      delete ctx.state.mappings.pci[str(ctx.params, 'id')!];
      await ctx.core.store.save();
      return ok(null);
    },
  },
];
