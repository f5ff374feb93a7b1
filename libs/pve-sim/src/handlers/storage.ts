import { rm } from 'node:fs/promises';
import { ok, type RequestContext, type Route } from '../core';
import { dieError, paramError, permError } from '../errors';
import { bool, int, str } from '../http/params';
import { sha1 } from '../state/config-file';
import type { StorageState } from '../state/schema';
import {
  allocateImageVolume,
  getStorage,
  hostPath,
  isFileStorage,
  parseVolid,
  pvePath,
  storageUsedBytes,
} from '../storage/volumes';

/** Content types each storage plugin can hold (pve-storage plugindata). */
const SUPPORTED_CONTENT: Record<StorageState['type'], readonly string[]> = {
  dir: ['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import'],
  nfs: ['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import'],
  rbd: ['images', 'rootdir'],
  lvmthin: ['images', 'rootdir'],
  lvm: ['images', 'rootdir'],
  zfspool: ['images', 'rootdir'],
};

function canSee(ctx: RequestContext, storage: string): boolean {
  const held = ctx.core.perms.privileges(ctx.caller.authId, `/storage/${storage}`);
  return held.has('Datastore.Audit') || held.has('Datastore.AllocateSpace');
}

function configView(id: string, s: StorageState) {
  return {
    storage: id,
    type: s.type,
    content: s.content.join(','),
    ...(s.path ? { path: s.path } : {}),
    ...(s.vgname ? { vgname: s.vgname } : {}),
    ...(s.thinpool ? { thinpool: s.thinpool } : {}),
    ...(s.pool ? { pool: s.pool } : {}),
    ...(s.nodes ? { nodes: s.nodes.join(',') } : {}),
    ...(s.disable ? { disable: 1 } : {}),
    ...(s.shared ? { shared: 1 } : {}),
  };
}

function storageCfgDigest(ctx: RequestContext): string {
  return sha1(JSON.stringify(Object.entries(ctx.state.storages).map(([id, s]) => configView(id, s))));
}

function statusView(ctx: RequestContext, id: string, s: StorageState) {
  const used = storageUsedBytes(ctx.state, id);
  return {
    storage: id,
    type: s.type,
    content: s.content.join(','),
    active: s.disable ? 0 : 1,
    enabled: s.disable ? 0 : 1,
    shared: s.shared ? 1 : 0,
    total: s.totalBytes,
    used,
    avail: s.totalBytes - used,
    used_fraction: used / s.totalBytes,
  };
}

function volumeItems(ctx: RequestContext, storageId: string) {
  const content = str(ctx.params, 'content');
  const vmid = int(ctx.params, 'vmid');
  const node = str(ctx.params, 'node');
  return Object.entries(ctx.state.volumes)
    .filter(([, v]) => v.storage === storageId && (v.node === undefined || v.node === node))
    .filter(
      ([, v]) => (content === undefined || v.vtype === content) && (vmid === undefined || v.vmid === vmid),
    )
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([volid, v]) => ({
      volid,
      content: v.vtype,
      format: v.format,
      size: v.size,
      ctime: v.ctime,
      ...(v.vmid !== undefined ? { vmid: v.vmid } : {}),
      ...(v.vtype === 'images' ? { used: 0 } : {}),
    }));
}

function volidParam(ctx: RequestContext): string {
  const storage = str(ctx.params, 'storage')!;
  const volume = str(ctx.params, 'volume')!;
  return volume.includes(':') ? volume : `${storage}:${volume}`;
}

export const storageRoutes: Route[] = [
  {
    method: 'GET',
    template: '/storage',
    handler: (ctx) => {
      const type = str(ctx.params, 'type');
      return ok(
        Object.entries(ctx.state.storages)
          .filter(([id, s]) => canSee(ctx, id) && (type === undefined || s.type === type))
          .map(([id, s]) => ({ ...configView(id, s), digest: storageCfgDigest(ctx) })),
      );
    },
  },
  {
    method: 'GET',
    template: '/storage/{storage}',
    handler: (ctx) => {
      const id = str(ctx.params, 'storage')!;
      return ok({ ...configView(id, getStorage(ctx.state, id)), digest: storageCfgDigest(ctx) });
    },
  },
  {
    method: 'PUT',
    template: '/storage/{storage}',
    async handler(ctx) {
      const id = str(ctx.params, 'storage')!;
      const storage = getStorage(ctx.state, id);
      const digest = str(ctx.params, 'digest');
      if (digest !== undefined && digest !== storageCfgDigest(ctx))
        throw dieError('detected modified configuration - file changed by other user? Try again.');
      const content = str(ctx.params, 'content');
      if (content !== undefined) {
        const wanted = content.split(/[,;\s]+/).filter(Boolean);
        for (const c of wanted)
          if (!SUPPORTED_CONTENT[storage.type].includes(c))
            throw dieError(`storage does not support content type '${c}'`);
        storage.content = wanted;
      }
      const disable = bool(ctx.params, 'disable');
      if (disable !== undefined) storage.disable = disable;
      const nodes = str(ctx.params, 'nodes');
      if (nodes !== undefined) storage.nodes = nodes.split(/[,;\s]+/).filter(Boolean);
      for (const key of (str(ctx.params, 'delete') ?? '').split(/[,;\s]+/).filter(Boolean)) {
        if (key === 'nodes') delete storage.nodes;
        if (key === 'disable') storage.disable = false;
      }
      await ctx.core.store.save();
      return ok({ storage: id, type: storage.type });
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/storage',
    handler: (ctx) => {
      const node = str(ctx.params, 'node')!;
      const content = str(ctx.params, 'content');
      const only = str(ctx.params, 'storage');
      const enabled = bool(ctx.params, 'enabled');
      return ok(
        Object.entries(ctx.state.storages)
          .filter(([id, s]) => canSee(ctx, id) && (!s.nodes || s.nodes.includes(node)))
          .filter(
            ([id, s]) =>
              (only === undefined || id === only) &&
              (content === undefined || content.split(',').every((c) => s.content.includes(c))),
          )
          .filter(([, s]) => !enabled || !s.disable)
          .map(([id, s]) => statusView(ctx, id, s)),
      );
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/storage/{storage}/status',
    handler: (ctx) => {
      const id = str(ctx.params, 'storage')!;
      const { storage: _id, ...rest } = statusView(
        ctx,
        id,
        getStorage(ctx.state, id, str(ctx.params, 'node')),
      );
      return ok(rest);
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/storage/{storage}/content',
    handler: (ctx) => {
      const id = str(ctx.params, 'storage')!;
      getStorage(ctx.state, id, str(ctx.params, 'node'));
      return ok(volumeItems(ctx, id));
    },
  },
  {
    method: 'POST',
    template: '/nodes/{node}/storage/{storage}/content',
    async handler(ctx) {
      const id = str(ctx.params, 'storage')!;
      const storage = getStorage(ctx.state, id, str(ctx.params, 'node'));
      const vmid = int(ctx.params, 'vmid')!;
      if (!storage.content.includes('images')) throw dieError(`storage '${id}' does not support vm images`);
      const size = str(ctx.params, 'size')!;
      const m = /^(\d+)([KMG])?$/.exec(size);
      if (!m) throw paramError({ size: 'unable to parse size' });
      const bytes = Number(m[1]) * { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] ?? 'K']!;
      const volid = allocateImageVolume(ctx.state, id, vmid, 'disk', bytes);
      await ctx.core.store.save();
      return ok(volid);
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/storage/{storage}/content/{volume}',
    permissions: { user: 'all' },
    handler: (ctx) => {
      const volid = volidParam(ctx);
      const volume = ctx.state.volumes[volid];
      if (!volume) throw dieError(`volume '${volid}' does not exist`);
      if (!canSee(ctx, volume.storage))
        throw permError(`/storage/${volume.storage}`, ['Datastore.Audit', 'Datastore.AllocateSpace'], true);
      const storage = getStorage(ctx.state, volume.storage);
      return ok({
        path: pvePath(storage, volume.storage, parseVolid(volid).volname),
        size: volume.size,
        used: volume.file ? volume.size : 0,
        format: volume.format,
      });
    },
  },
  {
    method: 'DELETE',
    template: '/nodes/{node}/storage/{storage}/content/{volume}',
    permissions: { user: 'all' },
    handler: (ctx) => {
      const volid = volidParam(ctx);
      const volume = ctx.state.volumes[volid];
      if (!volume) throw dieError(`volume '${volid}' does not exist`);
      ctx.core.perms.check(ctx.caller.authId, `/storage/${volume.storage}`, ['Datastore.Allocate']);
      const children = Object.keys(ctx.state.volumes).filter((v) => v.startsWith(`${volid}/`));
      if (children.length > 0) throw dieError(`base volume '${volid}' is still in use by linked cloned`);
      const root = ctx.core.store.storageRoot(volume.storage);
      const storage = getStorage(ctx.state, volume.storage);
      const upid = ctx.core.tasks.start({
        node: str(ctx.params, 'node')!,
        type: 'imgdel',
        id: '',
        user: ctx.caller.authId,
        origin: { method: ctx.method, path: ctx.path },
        async work() {
          delete ctx.state.volumes[volid];
          if (volume.file && isFileStorage(storage))
            await rm(hostPath(root, volume.volname), { force: true });
        },
      });
      return ok(upid);
    },
  },
];
