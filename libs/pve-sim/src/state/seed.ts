import { randomBytes } from 'node:crypto';
import { DEFAULT_PCI_INVENTORY } from './pci-inventory';
import type { SimState } from './schema';

const GiB = 1024 ** 3;

/**
 * A fresh single-node PVE 9.0 install: node `pve` with bridge vmbr0, `local` (dir; iso, vztmpl, backup,
 * snippets — `import` is off, as on a real install) and `local-lvm` (lvmthin; images, rootdir), the user
 * root@pam, no tokens, no ACLs, no VMs. Accounts for tests and scripts come from `startSimulator` options or
 * `scripts/sim.ts token`.
 */
export function seedState(options: { nodeName?: string } = {}): SimState {
  const node = options.nodeName ?? 'pve';
  return {
    version: 1,
    clusterName: 'pve-sim',
    secrets: { ticketKey: randomBytes(32).toString('hex'), csrfKey: randomBytes(32).toString('hex') },
    nodes: {
      [node]: {
        online: true,
        bridges: ['vmbr0'],
        maxcpu: 32,
        maxmem: 96 * GiB,
        pci: DEFAULT_PCI_INVENTORY.map((d) => ({ ...d })),
      },
    },
    storages: {
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
    },
    volumes: {},
    vms: {},
    mappings: { pci: {} },
    users: { 'root@pam': { enable: true, expire: 0, groups: [] } },
    tokens: {},
    groups: {},
    roles: {},
    acl: [],
    tasks: [],
    nextPid: 0x1a000,
  };
}
