import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { dieError } from '../errors';
import type { SimState, StorageState, Volume } from '../state/schema';

/**
 * Volume ids and their layout, after pve-storage's plugins: `<storage>:<volname>`; on directory storages
 * `iso/x.iso`, `vztmpl/x.tar.zst`, `import/x.qcow2`, `snippets/x.yaml`, `<vmid>/vm-<vmid>-disk-<n>.qcow2`;
 * on LVM-thin `vm-<vmid>-disk-<n>`, `base-<vmid>-disk-<n>` and linked clones `base-…/vm-…`.
 */
export type Vtype = Volume['vtype'];

export const FILE_STORAGE_TYPES: ReadonlySet<string> = new Set(['dir', 'nfs']);

const SUBDIRS: Record<string, string> = {
  iso: 'template/iso',
  vztmpl: 'template/cache',
  import: 'import',
  snippets: 'snippets',
  backup: 'dump',
  images: 'images',
  rootdir: 'images',
};

const VOLNAME_PREFIX: Record<string, string> = {
  iso: 'iso',
  vztmpl: 'vztmpl',
  import: 'import',
  snippets: 'snippets',
  backup: 'backup',
};

export function parseVolid(volid: string): { storage: string; volname: string } {
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(volid);
  if (!m) throw dieError(`unable to parse volume ID '${volid}'`);
  return { storage: m[1]!, volname: m[2]! };
}

/** The content type a volume name denotes (pve-storage parse_volname). */
export function vtypeOf(volname: string): Vtype {
  const head = volname.split('/')[0]!;
  if (head === 'iso') return 'iso';
  if (head === 'vztmpl') return 'vztmpl';
  if (head === 'import') return 'import';
  if (head === 'snippets') return 'snippets';
  if (head === 'backup') return 'backup';
  return 'images';
}

export function getStorage(state: SimState, storageId: string, node?: string): StorageState {
  const storage = state.storages[storageId];
  if (!storage) throw dieError(`storage '${storageId}' does not exist`);
  if (node && storage.nodes && !storage.nodes.includes(node))
    throw dieError(`storage '${storageId}' is not available on node '${node}'`);
  return storage;
}

export function isFileStorage(storage: StorageState): boolean {
  return FILE_STORAGE_TYPES.has(storage.type) && storage.path !== undefined;
}

/** `import/x.qcow2` for a file name and content type on a directory storage. */
export function fileVolname(vtype: Vtype, filename: string): string {
  return `${VOLNAME_PREFIX[vtype] ?? vtype}/${filename}`;
}

/** The path PVE reports (e.g. /var/lib/vz/import/x.qcow2). */
export function pvePath(storage: StorageState, storageId: string, volname: string): string {
  const vtype = vtypeOf(volname);
  if (!isFileStorage(storage)) return `/dev/${storage.vgname ?? storageId}/${volname.split('/').pop()}`;
  const rest = vtype === 'images' ? volname : volname.slice(volname.indexOf('/') + 1);
  return `${storage.path}/${SUBDIRS[vtype]}/${rest}`;
}

/** Where the simulator really keeps a file-backed volume. */
export function hostPath(storageRoot: string, volname: string): string {
  const vtype = vtypeOf(volname);
  const rest = vtype === 'images' ? volname : volname.slice(volname.indexOf('/') + 1);
  return join(storageRoot, SUBDIRS[vtype]!, rest);
}

export function storageUsedBytes(state: SimState, storageId: string): number {
  let used = 0;
  for (const volume of Object.values(state.volumes)) if (volume.storage === storageId) used += volume.size;
  return used;
}

/** A fresh `vm-<vmid>-disk-<n>` (or `…-cloudinit`) name on the storage. */
export function allocateVolname(
  state: SimState,
  storageId: string,
  vmid: number,
  kind: 'disk' | 'cloudinit',
  prefix: 'vm' | 'base' = 'vm',
): { volname: string; format: string } {
  const storage = getStorage(state, storageId);
  const file = isFileStorage(storage);
  const format = file ? 'qcow2' : 'raw';
  const wrap = (name: string) => (file ? `${vmid}/${name}.${format}` : name);
  if (kind === 'cloudinit') return { volname: wrap(`vm-${vmid}-cloudinit`), format };
  const taken = new Set(
    Object.values(state.volumes)
      .filter((v) => v.storage === storageId)
      .map((v) =>
        v.volname
          .split('/')
          .pop()!
          .replace(/\.\w+$/, ''),
      ),
  );
  for (let n = 0; ; n++) {
    if (!taken.has(`vm-${vmid}-disk-${n}`) && !taken.has(`base-${vmid}-disk-${n}`))
      return { volname: wrap(`${prefix}-${vmid}-disk-${n}`), format };
  }
}

/** Allocates a fresh disk (or cloud-init) volume on the storage, records it in the state, returns its volid. */
export function allocateImageVolume(
  state: SimState,
  storage: string,
  vmid: number,
  kind: 'disk' | 'cloudinit',
  bytes: number,
): string {
  const { volname, format } = allocateVolname(state, storage, vmid, kind);
  const volid = `${storage}:${volname}`;
  const node = getStorage(state, storage).shared ? undefined : state.vms[String(vmid)]?.node;
  state.volumes[volid] = {
    ...(node ? { node } : {}),
    storage,
    volname,
    vtype: 'images',
    format,
    size: bytes,
    vmid,
    ctime: Math.floor(Date.now() / 1000),
    file: false,
  };
  return volid;
}

/** PVE's size suffixes in drive strings: `32G`, `4M`, `528K`, or bytes. */
export function formatSize(bytes: number): string {
  const units: Array<[string, number]> = [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ];
  for (const [suffix, factor] of units)
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${suffix}`;
  return String(bytes);
}

/** The virtual size recorded in a qcow2 header (offset 24, big-endian u64), or null for other files. */
export async function qcow2VirtualSize(file: string): Promise<number | null> {
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(32);
    const { bytesRead } = await handle.read(header, 0, 32, 0);
    if (bytesRead < 32 || header.readUInt32BE(0) !== 0x514649fb) return null;
    return Number(header.readBigUInt64BE(24));
  } finally {
    await handle.close();
  }
}
