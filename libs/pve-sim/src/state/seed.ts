import { randomBytes } from 'node:crypto';
import { DEFAULT_PCI_INVENTORY } from './pci-inventory';
import type { SimState } from './schema';

const GiB = 1024 ** 3;

/**
 * A fresh PVE 9.0 install. One node (default `pve`) is a standalone host: bridge vmbr0, `local` (dir; iso,
 * vztmpl, backup, snippets — `import` is off, as on a real install) and `local-lvm` (lvmthin; images,
 * rootdir), the user root@pam, no tokens, no ACLs, no VMs. Several nodes form a cluster: each has its own
 * `local` and `local-lvm` (node-local: a volume there exists on one node only), and two shared storages
 * every node sees, as a cluster that outgrew one box has: `nfs-shared` (NFS; images, import, iso, snippets)
 * and `ceph-rbd` (Ceph RBD; images, rootdir). Accounts come from `startSimulator` options or
 * `scripts/sim.ts token`.
 */
export function seedState(options: { nodes?: readonly string[] } = {}): SimState {
  const names = options.nodes && options.nodes.length > 0 ? options.nodes : ['pve'];
  const clustered = names.length > 1;
  const nodes: SimState['nodes'] = {};
  for (const name of names)
    nodes[name] = {
      online: true,
      bridges: ['vmbr0'],
      maxcpu: 32,
      maxmem: 96 * GiB,
      pci: DEFAULT_PCI_INVENTORY.map((d) => ({ ...d })),
    };
  const storages: SimState['storages'] = {
    local: {
      type: 'dir',
      content: ['iso', 'vztmpl', 'backup', 'snippets'],
      path: '/var/lib/vz',
      shared: false,
      disable: false,
      totalBytes: 100 * GiB,
    },
    'local-lvm': {
      type: 'lvmthin',
      content: ['images', 'rootdir'],
      vgname: 'pve',
      thinpool: 'data',
      shared: false,
      disable: false,
      totalBytes: 1800 * GiB,
    },
  };
  if (clustered) {
    storages['nfs-shared'] = {
      type: 'nfs',
      content: ['images', 'import', 'iso', 'snippets'],
      path: '/mnt/pve/nfs-shared',
      shared: true,
      disable: false,
      totalBytes: 4000 * GiB,
    };
    storages['ceph-rbd'] = {
      type: 'rbd',
      content: ['images', 'rootdir'],
      pool: 'rbd',
      shared: true,
      disable: false,
      totalBytes: 6000 * GiB,
    };
  }
  return {
    version: 1,
    clusterName: 'pve-sim',
    secrets: { ticketKey: randomBytes(32).toString('hex'), csrfKey: randomBytes(32).toString('hex') },
    nodes,
    storages,
    volumes: {},
    vms: {},
    mappings: { pci: {} },
    pools: {},
    users: { 'root@pam': { enable: true, expire: 0, groups: [] } },
    tokens: {},
    groups: {},
    roles: {},
    acl: [],
    tasks: [],
    nextPid: 0x1a000,
  };
}
