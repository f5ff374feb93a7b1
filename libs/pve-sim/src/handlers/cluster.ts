import { ok, type RequestContext, type Route } from '../core';
import { dieError, paramError } from '../errors';
import { int, str } from '../http/params';
import { storageUsedBytes } from '../storage/volumes';
import { poolOfVm } from './pools';
import { bootDiskBytes, cpuCount, maxMemBytes } from './vm-common';

/** pve-manager 9.0.3 (GA); repoid = first 16 hex digits of its commit. */
export const PVE_VERSION = { version: '9.0.3', release: '9.0', repoid: '025864202ebb6109' } as const;

function nodeItems(ctx: RequestContext) {
  return Object.entries(ctx.state.nodes).map(([node, n]) => ({
    node,
    id: `node/${node}`,
    type: 'node',
    status: n.online ? 'online' : 'offline',
    level: '',
    ...(n.online
      ? {
          cpu: 0.02,
          maxcpu: n.maxcpu,
          mem: Math.floor(n.maxmem * 0.12),
          maxmem: n.maxmem,
          disk: 4 * 1024 ** 3,
          maxdisk: 100 * 1024 ** 3,
          uptime: Math.floor(process.uptime()) + 86_400,
        }
      : {}),
    ssl_fingerprint: ctx.core.tls.fingerprint,
  }));
}

function vmItems(ctx: RequestContext) {
  const now = Date.now();
  const items: Array<Record<string, unknown>> = [];
  for (const [id, vm] of Object.entries(ctx.state.vms)) {
    if (!ctx.core.perms.has(ctx.caller.authId, `/vms/${id}`, 'VM.Audit')) continue;
    const pool = poolOfVm(ctx.state, Number(id));
    const base = {
      id: `qemu/${id}`,
      vmid: Number(id),
      node: vm.node,
      type: 'qemu',
      ...(pool ? { pool } : {}),
    };
    // Stats come from the RRD broadcast: a brand-new guest has none yet.
    if (now - vm.createdAt < ctx.core.timing.rrdLagMs) {
      items.push({ ...base, status: 'unknown' });
      continue;
    }
    const c = vm.config;
    items.push({
      ...base,
      status: vm.running ? 'running' : 'stopped',
      name: c.name ?? `VM ${id}`,
      template: c.template === '1' ? 1 : 0,
      uptime: vm.running && vm.startedAt ? Math.floor((now - vm.startedAt) / 1000) : 0,
      maxcpu: cpuCount(c),
      cpu: vm.running ? 0.01 : 0,
      maxmem: maxMemBytes(c),
      mem: vm.running ? Math.floor(maxMemBytes(c) * 0.3) : 0,
      memhost: vm.running ? Math.floor(maxMemBytes(c) * 0.3) : 0,
      maxdisk: bootDiskBytes(c),
      disk: 0,
      netin: 0,
      netout: 0,
      diskread: 0,
      diskwrite: 0,
      ...(c.tags ? { tags: c.tags } : {}),
      ...(c.lock ? { lock: c.lock } : {}),
    });
  }
  return items;
}

function storageItems(ctx: RequestContext) {
  const items: Array<Record<string, unknown>> = [];
  for (const node of Object.keys(ctx.state.nodes)) {
    for (const [storage, s] of Object.entries(ctx.state.storages)) {
      if (s.nodes && !s.nodes.includes(node)) continue;
      const held = ctx.core.perms.privileges(ctx.caller.authId, `/storage/${storage}`);
      if (!held.has('Datastore.Audit') && !held.has('Datastore.AllocateSpace')) continue;
      items.push({
        id: `storage/${node}/${storage}`,
        type: 'storage',
        storage,
        node,
        status: s.disable ? 'unknown' : 'available',
        content: s.content.join(','),
        plugintype: s.type,
        shared: s.shared ? 1 : 0,
        disk: storageUsedBytes(ctx.state, storage),
        maxdisk: s.totalBytes,
      });
    }
  }
  return items;
}

/**
 * `GET /cluster/status`: the cluster entry (only when there is more than one node: a standalone host has no
 * corosync config and reports just itself) and one entry per node; the node answering is `local`.
 */
function clusterStatus(ctx: RequestContext) {
  const names = Object.keys(ctx.state.nodes);
  const nodes = names.map((name, i) => ({
    type: 'node',
    id: `node/${name}`,
    name,
    nodeid: names.length > 1 ? i + 1 : 0,
    ip: `127.0.0.${i + 1}`,
    local: i === 0 ? 1 : 0,
    online: ctx.state.nodes[name]!.online ? 1 : 0,
    level: '',
  }));
  if (names.length === 1) return nodes;
  const online = nodes.filter((n) => n.online === 1).length;
  return [
    {
      type: 'cluster',
      id: 'cluster',
      name: ctx.state.clusterName,
      nodes: names.length,
      quorate: online * 2 > names.length ? 1 : 0,
      version: names.length,
    },
    ...nodes,
  ];
}

export const clusterRoutes: Route[] = [
  { method: 'GET', template: '/cluster/status', handler: (ctx) => ok(clusterStatus(ctx)) },
  // No HA groups or resources are modelled: the list is empty and every sid is unknown, as on a cluster
  // without HA. The bpg provider reads these only when it migrates a VM.
  { method: 'GET', template: '/cluster/ha/resources', handler: () => ok([]) },
  {
    method: 'GET',
    template: '/cluster/ha/resources/{sid}',
    handler: (ctx) => {
      throw dieError(`no such resource '${str(ctx.params, 'sid')}'`);
    },
  },
  { method: 'GET', template: '/version', handler: () => ok({ ...PVE_VERSION }) },
  { method: 'GET', template: '/nodes', handler: (ctx) => ok(nodeItems(ctx)) },
  {
    method: 'GET',
    template: '/nodes/{node}/status',
    permissions: { check: ['perm', '/nodes/{node}', ['Sys.Audit']] },
    handler: (ctx) => {
      const n = ctx.state.nodes[str(ctx.params, 'node')!]!;
      return ok({
        uptime: Math.floor(process.uptime()) + 86_400,
        cpu: 0.02,
        loadavg: ['0.10', '0.12', '0.09'],
        memory: { total: n.maxmem, used: Math.floor(n.maxmem * 0.12), free: Math.floor(n.maxmem * 0.88) },
        cpuinfo: {
          cpus: n.maxcpu,
          cores: n.maxcpu / 2,
          sockets: 1,
          model: 'AMD Ryzen 9 9955HX 16-Core Processor',
          mhz: '5400.000',
          hvm: '1',
        },
        pveversion: `pve-manager/${PVE_VERSION.version}/${PVE_VERSION.repoid}`,
        kversion: 'Linux 6.14.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z) x86_64',
        'boot-info': { mode: 'efi', secureboot: 0 },
        'current-kernel': {
          sysname: 'Linux',
          release: '6.14.8-2-pve',
          machine: 'x86_64',
          version: '#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2',
        },
      });
    },
  },
  {
    method: 'GET',
    template: '/cluster/resources',
    handler: (ctx) => {
      const type = str(ctx.params, 'type');
      const items = [
        ...(type === undefined || type === 'node'
          ? nodeItems(ctx).map(({ ssl_fingerprint: _fp, ...rest }) => ({ ...rest, 'cgroup-mode': 2 }))
          : []),
        ...(type === undefined || type === 'storage' ? storageItems(ctx) : []),
        ...(type === undefined || type === 'vm' ? vmItems(ctx) : []),
      ];
      return ok(items);
    },
  },
  {
    method: 'GET',
    template: '/cluster/nextid',
    handler: (ctx) => {
      const wanted = str(ctx.params, 'vmid');
      if (wanted !== undefined) {
        if (ctx.state.vms[String(int(ctx.params, 'vmid'))])
          throw paramError({ vmid: `VM ${wanted} already exists` });
        return ok(wanted);
      }
      for (let id = 100; id < 1_000_000; id++) if (!ctx.state.vms[String(id)]) return ok(String(id));
      throw paramError({ vmid: 'unable to get any free VMID in range [100, 999999]' });
    },
  },
];
