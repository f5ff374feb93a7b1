import { ok, type RequestContext, type Route } from '../core';
import { dieError } from '../errors';
import { bool, str } from '../http/params';
import type { PoolState, SimState } from '../state/schema';

/**
 * Resource pools (/etc/pve/user.cfg `pool:` lines), as PVE 9.0 serves them: `GET /pools` lists the pools the
 * caller may audit, `GET /pools?poolid=X` the one pool with its members, `PUT /pools?poolid=X` adds or
 * (`delete=1`) removes VMs and storages. A VM belongs to at most one pool; destroying it drops it from its pool.
 */
const listOf = (value: string | undefined) => (value ?? '').split(/[,;\s]+/).filter(Boolean);

function loadPool(state: SimState, poolid: string): PoolState {
  const pool = state.pools[poolid];
  if (!pool) throw dieError(`pool '${poolid}' does not exist`);
  return pool;
}

/** The pool a VM belongs to, if any. */
export function poolOfVm(state: SimState, vmid: number): string | undefined {
  const member = `qemu/${vmid}`;
  return Object.keys(state.pools).find((id) => state.pools[id]!.members.includes(member));
}

/** Adds a new guest to a pool (create/clone `pool=`); the pool must exist. */
export function addVmToPool(state: SimState, poolid: string, vmid: number): void {
  const pool = loadPool(state, poolid);
  const owner = poolOfVm(state, vmid);
  if (owner !== undefined && owner !== poolid)
    throw dieError(`VM ${vmid} belongs already to pool '${owner}'`);
  if (!pool.members.includes(`qemu/${vmid}`)) pool.members.push(`qemu/${vmid}`);
}

export function removeVmFromPools(state: SimState, vmid: number): void {
  for (const pool of Object.values(state.pools))
    pool.members = pool.members.filter((m) => m !== `qemu/${vmid}`);
}

function memberView(ctx: RequestContext, member: string) {
  const [type, id] = member.split('/') as [string, string];
  if (type === 'qemu') {
    const vm = ctx.state.vms[id];
    return {
      id: member,
      type: 'qemu',
      vmid: Number(id),
      node: vm?.node ?? '',
      status: vm?.running ? 'running' : 'stopped',
      ...(vm?.config.name ? { name: vm.config.name } : {}),
      template: vm?.config.template === '1' ? 1 : 0,
    };
  }
  const node = Object.keys(ctx.state.nodes)[0]!;
  return { id: `storage/${node}/${id}`, type: 'storage', storage: id, node };
}

function poolView(ctx: RequestContext, poolid: string, pool: PoolState, withMembers: boolean) {
  const type = str(ctx.params, 'type');
  return {
    poolid,
    ...(pool.comment !== undefined ? { comment: pool.comment } : {}),
    ...(withMembers
      ? {
          members: pool.members
            .map((m) => memberView(ctx, m))
            .filter((m) => type === undefined || m.type === type),
        }
      : {}),
  };
}

function updatePool(ctx: RequestContext, poolid: string) {
  const pool = loadPool(ctx.state, poolid);
  const comment = str(ctx.params, 'comment');
  if (comment !== undefined) pool.comment = comment;
  const remove = bool(ctx.params, 'delete') ?? false;
  const allowMove = bool(ctx.params, 'allow-move') ?? false;
  for (const raw of listOf(str(ctx.params, 'vms'))) {
    const vmid = Number(raw);
    const member = `qemu/${vmid}`;
    ctx.core.perms.check(ctx.caller.authId, `/vms/${vmid}`, ['VM.Allocate']);
    if (remove) {
      if (!pool.members.includes(member)) throw dieError(`VM ${vmid} is not a pool member`);
      pool.members = pool.members.filter((m) => m !== member);
      continue;
    }
    if (!ctx.state.vms[String(vmid)]) throw dieError(`no such VMID '${vmid}'`);
    const owner = poolOfVm(ctx.state, vmid);
    if (owner !== undefined && owner !== poolid) {
      if (!allowMove) throw dieError(`VM ${vmid} belongs already to pool '${owner}'`);
      ctx.state.pools[owner]!.members = ctx.state.pools[owner]!.members.filter((m) => m !== member);
    }
    if (!pool.members.includes(member)) pool.members.push(member);
  }
  for (const storage of listOf(str(ctx.params, 'storage'))) {
    const member = `storage/${storage}`;
    ctx.core.perms.check(ctx.caller.authId, `/storage/${storage}`, ['Datastore.Allocate']);
    if (remove) {
      if (!pool.members.includes(member)) throw dieError(`storage '${storage}' is not a pool member`);
      pool.members = pool.members.filter((m) => m !== member);
      continue;
    }
    if (!ctx.state.storages[storage]) throw dieError(`no such storage '${storage}'`);
    if (!pool.members.includes(member)) pool.members.push(member);
  }
}

export const poolRoutes: Route[] = [
  {
    method: 'GET',
    template: '/pools',
    handler(ctx) {
      const only = str(ctx.params, 'poolid');
      if (only !== undefined) {
        const pool = loadPool(ctx.state, only);
        ctx.core.perms.check(ctx.caller.authId, `/pool/${only}`, ['Pool.Audit']);
        return ok([poolView(ctx, only, pool, true)]);
      }
      return ok(
        Object.entries(ctx.state.pools)
          .filter(([id]) => ctx.core.perms.has(ctx.caller.authId, `/pool/${id}`, 'Pool.Audit'))
          .map(([id, pool]) => poolView(ctx, id, pool, false)),
      );
    },
  },
  {
    method: 'GET',
    template: '/pools/{poolid}',
    handler(ctx) {
      const poolid = str(ctx.params, 'poolid')!;
      const { poolid: _id, ...rest } = poolView(ctx, poolid, loadPool(ctx.state, poolid), true);
      return ok(rest);
    },
  },
  {
    method: 'POST',
    template: '/pools',
    async handler(ctx) {
      const poolid = str(ctx.params, 'poolid')!;
      if (ctx.state.pools[poolid]) throw dieError(`pool '${poolid}' already exists`);
      const comment = str(ctx.params, 'comment');
      ctx.state.pools[poolid] = { members: [], ...(comment !== undefined ? { comment } : {}) };
      await ctx.core.store.save();
      return ok(null);
    },
  },
  {
    method: 'PUT',
    template: '/pools',
    async handler(ctx) {
      updatePool(ctx, str(ctx.params, 'poolid')!);
      await ctx.core.store.save();
      return ok(null);
    },
  },
  {
    method: 'DELETE',
    template: '/pools',
    async handler(ctx) {
      const poolid = str(ctx.params, 'poolid')!;
      const pool = loadPool(ctx.state, poolid);
      if (pool.members.length > 0) throw dieError(`pool '${poolid}' is not empty`);
      delete ctx.state.pools[poolid];
      await ctx.core.store.save();
      return ok(null);
    },
  },
];
