import { z } from 'zod';

/**
 * The simulator's persisted state (`<stateDir>/state.json`). Everything a real PVE keeps in /etc/pve, in its
 * storages' metadata and in its task index lives here; file-backed volumes (downloads, ISOs, snippets) are
 * real files under `<stateDir>/storage/<id>/`. Validated on load so a hand-edited file fails clearly.
 */
export const pciDeviceSchema = z.object({
  id: z.string(),
  class: z.string(),
  vendor: z.string(),
  device: z.string(),
  subsystem_vendor: z.string().optional(),
  subsystem_device: z.string().optional(),
  vendor_name: z.string().optional(),
  device_name: z.string().optional(),
  subsystem_vendor_name: z.string().optional(),
  subsystem_device_name: z.string().optional(),
  iommugroup: z.number().int(),
  mdev: z.boolean().optional(),
});
export type PciDevice = z.infer<typeof pciDeviceSchema>;

export const nodeSchema = z.object({
  online: z.boolean(),
  bridges: z.array(z.string()),
  maxcpu: z.number().int(),
  maxmem: z.number().int(),
  pci: z.array(pciDeviceSchema),
});
export type NodeState = z.infer<typeof nodeSchema>;

export const storageSchema = z.object({
  type: z.enum(['dir', 'lvmthin', 'lvm', 'nfs', 'zfspool', 'rbd']),
  /** Ceph RBD: the pool the images live in. */
  pool: z.string().optional(),
  content: z.array(z.string()),
  /** The path Proxmox shows (e.g. /var/lib/vz); files really live under <stateDir>/storage/<id>. */
  path: z.string().optional(),
  vgname: z.string().optional(),
  thinpool: z.string().optional(),
  nodes: z.array(z.string()).optional(),
  shared: z.boolean(),
  disable: z.boolean(),
  totalBytes: z.number(),
});
export type StorageState = z.infer<typeof storageSchema>;

export const volumeSchema = z.object({
  storage: z.string(),
  /** The part after `<storage>:`, e.g. `import/talos.qcow2`, `vm-100-disk-0`, `base-9000-disk-0/vm-101-disk-0`. */
  volname: z.string(),
  vtype: z.enum(['images', 'rootdir', 'iso', 'vztmpl', 'import', 'snippets', 'backup']),
  format: z.string(),
  size: z.number(),
  vmid: z.number().int().optional(),
  ctime: z.number().int(),
  /** Metadata-only (disk images) vs a real file under the storage directory. */
  file: z.boolean(),
  /** The node whose local storage holds it; absent on shared storage (every node sees the same volume). */
  node: z.string().optional(),
});
export type Volume = z.infer<typeof volumeSchema>;

export const vmSchema = z.object({
  node: z.string(),
  /** Config keys as the .conf file holds them (strings), without digest and description. */
  config: z.record(z.string(), z.string()),
  description: z.string().optional(),
  snapshots: z.array(z.string()),
  running: z.boolean(),
  startedAt: z.number().optional(),
  createdAt: z.number(),
  /** The cloud-init keys the drive was last generated from (start or `PUT …/cloudinit`). */
  cloudinitApplied: z.record(z.string(), z.string()).optional(),
});
export type VmState = z.infer<typeof vmSchema>;

export const pciMappingSchema = z.object({
  map: z.array(z.string()),
  description: z.string().optional(),
  mdev: z.boolean().optional(),
  'live-migration-capable': z.boolean().optional(),
});
export type PciMapping = z.infer<typeof pciMappingSchema>;

/** /etc/pve/user.cfg `pool:` lines: members are `qemu/<vmid>` or `storage/<id>`. */
export const poolSchema = z.object({
  comment: z.string().optional(),
  members: z.array(z.string()),
});
export type PoolState = z.infer<typeof poolSchema>;

export const userSchema = z.object({
  enable: z.boolean(),
  /** scrypt `<salt hex>:<hash hex>`; absent = no password login. */
  passwordHash: z.string().optional(),
  expire: z.number().int(),
  groups: z.array(z.string()),
});
export type UserState = z.infer<typeof userSchema>;

export const tokenSchema = z.object({
  /** sha256 hex of the secret; the secret itself is never stored. */
  secretHash: z.string(),
  privsep: z.boolean(),
  expire: z.number().int(),
  comment: z.string().optional(),
});
export type TokenState = z.infer<typeof tokenSchema>;

export const aclEntrySchema = z.object({
  path: z.string(),
  type: z.enum(['user', 'token', 'group']),
  ugid: z.string(),
  roleid: z.string(),
  propagate: z.boolean(),
});
export type AclEntry = z.infer<typeof aclEntrySchema>;

export const taskSchema = z.object({
  upid: z.string(),
  node: z.string(),
  pid: z.number().int(),
  pstart: z.number().int(),
  starttime: z.number().int(),
  type: z.string(),
  id: z.string(),
  user: z.string(),
  status: z.enum(['running', 'stopped']),
  exitstatus: z.string().optional(),
  endtime: z.number().int().optional(),
  log: z.array(z.string()),
});
export type TaskRecord = z.infer<typeof taskSchema>;

export const stateSchema = z.object({
  version: z.literal(1),
  clusterName: z.string(),
  secrets: z.object({ ticketKey: z.string(), csrfKey: z.string() }),
  nodes: z.record(z.string(), nodeSchema),
  storages: z.record(z.string(), storageSchema),
  volumes: z.record(z.string(), volumeSchema),
  vms: z.record(z.string(), vmSchema),
  mappings: z.object({ pci: z.record(z.string(), pciMappingSchema) }),
  /** Added after the first release of the state file: older files load with no pools. */
  pools: z.record(z.string(), poolSchema).default({}),
  users: z.record(z.string(), userSchema),
  tokens: z.record(z.string(), tokenSchema),
  groups: z.record(z.string(), z.object({ comment: z.string().optional() })),
  roles: z.record(z.string(), z.array(z.string())),
  acl: z.array(aclEntrySchema),
  tasks: z.array(taskSchema),
  nextPid: z.number().int(),
});
export type SimState = z.infer<typeof stateSchema>;
