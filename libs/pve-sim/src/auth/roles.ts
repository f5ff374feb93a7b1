/**
 * Proxmox VE 9.0 privileges and built-in roles (pve-access-control). 9.0 removed `VM.Monitor` and added the
 * `VM.GuestAgent.*` family and `VM.Replicate`. Role contents follow the PVE admin guide's role table; they
 * matter here only so seeded ACLs behave like on a real host.
 */
export const PRIVILEGES = [
  'Datastore.Allocate',
  'Datastore.AllocateSpace',
  'Datastore.AllocateTemplate',
  'Datastore.Audit',
  'Group.Allocate',
  'Mapping.Audit',
  'Mapping.Modify',
  'Mapping.Use',
  'Permissions.Modify',
  'Pool.Allocate',
  'Pool.Audit',
  'Realm.Allocate',
  'Realm.AllocateUser',
  'SDN.Allocate',
  'SDN.Audit',
  'SDN.Use',
  'Sys.AccessNetwork',
  'Sys.Audit',
  'Sys.Console',
  'Sys.Incoming',
  'Sys.Modify',
  'Sys.PowerMgmt',
  'Sys.Syslog',
  'User.Modify',
  'VM.Allocate',
  'VM.Audit',
  'VM.Backup',
  'VM.Clone',
  'VM.Config.CDROM',
  'VM.Config.CPU',
  'VM.Config.Cloudinit',
  'VM.Config.Disk',
  'VM.Config.HWType',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.Options',
  'VM.Console',
  'VM.GuestAgent.Audit',
  'VM.GuestAgent.FileRead',
  'VM.GuestAgent.FileSystemMgmt',
  'VM.GuestAgent.FileWrite',
  'VM.GuestAgent.Unrestricted',
  'VM.Migrate',
  'VM.PowerMgmt',
  'VM.Replicate',
  'VM.Snapshot',
  'VM.Snapshot.Rollback',
] as const;

const VM_ALL = PRIVILEGES.filter((p) => p.startsWith('VM.'));
const AUDIT = PRIVILEGES.filter((p) => p.endsWith('.Audit'));

export const BUILTIN_ROLES: Readonly<Record<string, readonly string[]>> = {
  NoAccess: [],
  Administrator: PRIVILEGES,
  PVEAdmin: PRIVILEGES.filter(
    (p) => !['Permissions.Modify', 'Realm.Allocate', 'Sys.Modify', 'Sys.PowerMgmt'].includes(p),
  ),
  PVEAuditor: AUDIT,
  PVEVMAdmin: [...VM_ALL, 'Pool.Audit', 'Datastore.Audit', 'SDN.Use', 'SDN.Audit'],
  PVEVMUser: [
    'VM.Audit',
    'VM.Backup',
    'VM.Config.CDROM',
    'VM.Config.Cloudinit',
    'VM.Console',
    'VM.PowerMgmt',
    'VM.GuestAgent.Audit',
    'Pool.Audit',
  ],
  PVETemplateUser: ['VM.Audit', 'VM.Clone'],
  PVEDatastoreAdmin: [
    'Datastore.Allocate',
    'Datastore.AllocateSpace',
    'Datastore.AllocateTemplate',
    'Datastore.Audit',
  ],
  PVEDatastoreUser: ['Datastore.AllocateSpace', 'Datastore.Audit'],
  PVEPoolAdmin: ['Pool.Allocate', 'Pool.Audit'],
  PVEPoolUser: ['Pool.Audit'],
  PVESysAdmin: [
    'Sys.AccessNetwork',
    'Sys.Audit',
    'Sys.Console',
    'Sys.Incoming',
    'Sys.Modify',
    'Sys.PowerMgmt',
    'Sys.Syslog',
    'Permissions.Modify',
  ],
  PVEUserAdmin: ['Group.Allocate', 'Realm.AllocateUser', 'User.Modify'],
  PVESDNAdmin: ['SDN.Allocate', 'SDN.Audit', 'SDN.Use'],
  PVESDNUser: ['SDN.Audit', 'SDN.Use'],
  PVEMappingAdmin: ['Mapping.Audit', 'Mapping.Modify', 'Mapping.Use'],
  PVEMappingUser: ['Mapping.Audit', 'Mapping.Use'],
};

export function isPrivilege(name: string): boolean {
  return (PRIVILEGES as readonly string[]).includes(name);
}
