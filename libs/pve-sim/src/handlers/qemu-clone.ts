import { randomUUID } from 'node:crypto';
import { ok, type RequestContext, type Route } from '../core';
import { dieError } from '../errors';
import { bool, int, str } from '../http/params';
import type { SimState, VmState } from '../state/schema';
import { allocateVolname, formatSize, getStorage } from '../storage/volumes';
import type { TaskContext } from '../tasks/runner';
import { addVmToPool, removeVmFromPools } from './pools';
import { freeVolumes } from './qemu-disks';
import { regenerateMacs } from './qemu-net';
import { checkStorageSpace } from './qemu-perms';
import { assertUnlocked, loadVm, lockVm, vmVolumes } from './vm-common';

const TARGET_LOCK_TIMEOUT_MS = 1000;
const SOURCE_LOCK_TIMEOUT_MS = 10_000;

/** Node-local storage records which node holds the volume; shared storage does not. */
function placement(state: SimState, storage: string, node: string): { node: string | undefined } {
  return { node: getStorage(state, storage).shared ? undefined : node };
}

/** One disk of the clone: linked (`base-…/vm-…` on the same storage) or a full copy. */
function cloneVolume(
  state: SimState,
  volid: string,
  newid: number,
  linked: boolean,
  storage: string | undefined,
  key: string,
  task: TaskContext,
  node: string,
): string {
  const source = state.volumes[volid];
  if (!source) throw new Error(`volume '${volid}' does not exist`);
  const cloudinit = /cloudinit/.test(source.volname);
  if (linked && !cloudinit) {
    // lvmthin: base-9000-disk-0/vm-101-disk-0; dir: 9000/base-9000-disk-0.qcow2/101/vm-101-disk-0.qcow2
    const volname = `${source.volname}/${allocateVolname(state, source.storage, newid, 'disk').volname}`;
    task.log(`create linked clone of drive ${key} (${volid})`);
    const newVolid = `${source.storage}:${volname}`;
    state.volumes[newVolid] = {
      ...source,
      volname,
      vmid: newid,
      ctime: Math.floor(Date.now() / 1000),
      ...placement(state, source.storage, node),
    };
    return newVolid;
  }
  const target = cloudinit ? source.storage : (storage ?? source.storage);
  task.log(`create full clone of drive ${key} (${volid})`);
  const { volname, format } = allocateVolname(state, target, newid, cloudinit ? 'cloudinit' : 'disk');
  const newVolid = `${target}:${volname}`;
  state.volumes[newVolid] = {
    ...source,
    storage: target,
    volname,
    format,
    vmid: newid,
    ctime: Math.floor(Date.now() / 1000),
    ...placement(state, target, node),
  };
  if (!cloudinit) task.log(`transferred ${formatSize(source.size)} of ${formatSize(source.size)} (100.00%)`);
  return newVolid;
}

/**
 * `POST /nodes/{node}/qemu/{vmid}/clone` (task `qmclone`, id = SOURCE vmid): the source is locked shared
 * (exclusive when running), the target with a 1 s time-out; a template clones linked by default, anything
 * else full; `storage`/`format` only for full clones; the target carries `lock: clone` until done.
 */
async function cloneVm(ctx: RequestContext) {
  const node = str(ctx.params, 'node')!;
  const vmid = int(ctx.params, 'vmid')!;
  const newid = int(ctx.params, 'newid')!;
  const state = ctx.state;
  const source = loadVm(state, node, vmid);
  const storage = str(ctx.params, 'storage');
  const isTemplate = source.config.template === '1';
  const full = bool(ctx.params, 'full') ?? !isTemplate;
  if (storage !== undefined) {
    checkStorageSpace(ctx, storage);
    const config = getStorage(state, storage);
    if (!config.content.includes('images')) throw dieError(`storage '${storage}' does not support vm images`);
  }
  for (const { volid } of vmVolumes(source.config)) checkStorageSpace(ctx, storage ?? volid.split(':')[0]!);
  // Another node can only receive the clone when every disk lands on storage that node sees too (shared).
  const targetNode = str(ctx.params, 'target') ?? node;
  if (targetNode !== node) {
    if (!state.nodes[targetNode]) throw dieError(`no such cluster node '${targetNode}'`);
    for (const { key, volid } of vmVolumes(source.config)) {
      if (key.startsWith('unused')) continue;
      const onStorage = full && storage !== undefined ? storage : volid.split(':')[0]!;
      if (!getStorage(state, onStorage).shared)
        throw dieError(`can't clone VM to node '${targetNode}' (VM uses local storage)`);
    }
  }
  const pool = str(ctx.params, 'pool');
  if (pool !== undefined && !state.pools[pool]) throw dieError(`pool '${pool}' does not exist`);

  const releaseSource = await lockVm(
    ctx,
    vmid,
    SOURCE_LOCK_TIMEOUT_MS,
    source.running ? 'exclusive' : 'shared',
  );
  let releaseTarget: (() => void) | undefined;
  try {
    releaseTarget = await lockVm(ctx, newid, TARGET_LOCK_TIMEOUT_MS);
    assertUnlocked(source);
    if (!full && storage !== undefined) throw dieError("parameter 'storage' not allowed for linked clones");
    if (!full && str(ctx.params, 'format') !== undefined)
      throw dieError("parameter 'format' not allowed for linked clones");
    if (!full && !isTemplate)
      throw dieError(
        `Linked clone feature is not supported for drive '${vmVolumes(source.config)[0]?.key ?? 'scsi0'}'`,
      );
    if (state.vms[String(newid)]) throw dieError(`unable to create VM ${newid}: config file already exists`);
  } catch (error) {
    releaseTarget?.();
    releaseSource();
    throw error;
  }

  const sourceConfig = { ...source.config };
  const clone: VmState = {
    node: targetNode,
    config: { lock: 'clone' },
    snapshots: [],
    running: false,
    createdAt: Date.now(),
  };
  state.vms[String(newid)] = clone;
  await ctx.core.store.save();

  const buildClone = (task: TaskContext) => {
    const config: Record<string, string> = { ...sourceConfig };
    delete config.template;
    delete config.lock;
    for (const { key, volid } of vmVolumes(sourceConfig)) {
      if (key.startsWith('unused')) {
        delete config[key];
        continue;
      }
      const newVolid = cloneVolume(state, volid, newid, !full, storage, key, task, targetNode);
      config[key] = sourceConfig[key]!.replace(volid, newVolid);
    }
    regenerateMacs(config, ctx.core.rng);
    config.name = str(ctx.params, 'name') ?? `Copy-of-VM-${sourceConfig.name ?? vmid}`;
    config.smbios1 = `uuid=${randomUUID()}`;
    if (config.vmgenid) config.vmgenid = randomUUID();
    clone.config = { ...config, lock: 'clone' };
    const description = str(ctx.params, 'description') ?? source.description;
    if (description !== undefined) clone.description = description;
    if (pool !== undefined) addVmToPool(state, pool, newid);
  };

  const upid = ctx.core.tasks.start({
    node,
    type: 'qmclone',
    id: String(vmid),
    user: ctx.caller.authId,
    origin: { method: ctx.method, path: ctx.path },
    async work(task) {
      try {
        buildClone(task);
      } catch (error) {
        throw new Error(`clone failed: ${(error as Error).message}`);
      }
    },
    rollback() {
      freeVolumes(
        state,
        Object.keys(state.volumes).filter((volid) => state.volumes[volid]!.vmid === newid),
      );
      if (state.vms[String(newid)] === clone) {
        delete state.vms[String(newid)];
        removeVmFromPools(state, newid);
      }
    },
    cleanup() {
      delete clone.config.lock;
      releaseTarget?.();
      releaseSource();
    },
  });
  return ok(upid);
}

export const cloneRoutes: Route[] = [
  { method: 'POST', template: '/nodes/{node}/qemu/{vmid}/clone', handler: cloneVm },
];
