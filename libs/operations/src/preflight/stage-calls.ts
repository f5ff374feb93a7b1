/**
 * The Proxmox API calls each stage makes, as "METHOD /path/template" keys of the official schema
 * (`PVE_ENDPOINTS` in @infra/pve-api), with the values its path placeholders take for an environment. The
 * privileges come from the schema's permission blocks (privileges.ts); `extra` lists what a handler checks in
 * code beyond its block (the block says "user: all" or "any of"), quoted from the schema's description.
 */
export interface StageCall {
  key: string;
  extra?: ReadonlyArray<{ path: string; privileges: readonly string[] }>;
}

export interface StageContext {
  node: string;
  imageStorage: string;
  diskStorage: string;
  bridge: string;
  /** A VMID of the template range (the first), standing in for every VM the stage creates. */
  vmid: number;
  mapping: string;
}

export type StageName = 'build-image' | 'deploy' | 'gpu-map';

/** Placeholder values for an environment's calls. */
export function placeholders(context: StageContext): Record<string, string> {
  return {
    node: context.node,
    storage: context.imageStorage,
    vmid: String(context.vmid),
    newid: String(context.vmid + 1),
    id: context.mapping,
    bridge: context.bridge,
  };
}

const vmConfigPrivileges = [
  'VM.Config.Disk',
  'VM.Config.CPU',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.HWType',
  'VM.Config.Options',
  'VM.Config.Cloudinit',
];

export function stageCalls(context: StageContext): Record<StageName, readonly StageCall[]> {
  const disks = `/storage/${context.diskStorage}`;
  const sdn = `/sdn/zones/localnetwork/${context.bridge}`;
  // create_vm: "You need 'VM.Allocate' on /vms/{vmid} ... 'Datastore.AllocateSpace' on any used storage ...
  // 'SDN.Use' on any used bridge/vlan"; update_vm: every VM.Config.* of the keys set (disks, net, cloud-init),
  // and SDN.Use for a NIC's bridge (PVE checks it in code, as for create).
  const createVm: StageCall = {
    key: 'POST /nodes/{node}/qemu',
    extra: [
      { path: `/vms/${context.vmid}`, privileges: ['VM.Allocate', ...vmConfigPrivileges] },
      { path: disks, privileges: ['Datastore.AllocateSpace'] },
      { path: sdn, privileges: ['SDN.Use'] },
    ],
  };
  const configure: StageCall = {
    key: 'PUT /nodes/{node}/qemu/{vmid}/config',
    extra: [
      { path: `/vms/${context.vmid}`, privileges: vmConfigPrivileges },
      { path: sdn, privileges: ['SDN.Use'] },
    ],
  };
  return {
    'build-image': [
      { key: 'GET /cluster/resources' },
      { key: 'GET /nodes/{node}/storage/{storage}/content' },
      { key: 'POST /nodes/{node}/storage/{storage}/download-url' },
      createVm,
      configure,
      { key: 'PUT /nodes/{node}/qemu/{vmid}/resize' },
      { key: 'POST /nodes/{node}/qemu/{vmid}/template' },
      { key: 'DELETE /nodes/{node}/qemu/{vmid}' },
      {
        // delete volume: "You need 'Datastore.Allocate' privilege on the storage".
        key: 'DELETE /nodes/{node}/storage/{storage}/content/{volume}',
        extra: [{ path: `/storage/${context.imageStorage}`, privileges: ['Datastore.Allocate'] }],
      },
    ],
    deploy: [
      { key: 'GET /cluster/resources' },
      { key: 'POST /nodes/{node}/qemu/{vmid}/clone' },
      configure,
      { key: 'POST /nodes/{node}/qemu/{vmid}/status/start' },
      { key: 'POST /nodes/{node}/qemu/{vmid}/status/shutdown' },
      { key: 'GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces' },
      { key: 'DELETE /nodes/{node}/qemu/{vmid}' },
    ],
    'gpu-map': [
      { key: 'GET /nodes/{node}/hardware/pci' },
      { key: 'GET /cluster/mapping/pci/{id}' },
      { key: 'POST /cluster/mapping/pci' },
    ],
  };
}
