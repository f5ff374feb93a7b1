import { describe, expect, it } from 'vitest';
import { seedState } from '../state/seed';
import { applyAccounts } from './accounts';
import { checkApiPermissions } from './api-check';
import { Permissions } from './permissions';

function setup() {
  const state = seedState();
  applyAccounts(state, {
    users: [{ userid: 'infra@pve', groups: ['ops'] }, { userid: 'auditor@pve' }],
    tokens: [
      { id: 'infra@pve!full', secret: 'a', privsep: false },
      { id: 'infra@pve!narrow', secret: 'b', privsep: true },
      { id: 'root@pam!ci', secret: 'c', privsep: false },
    ],
    acl: [
      { path: '/', ugid: 'ops', type: 'group', roleid: 'PVEAuditor' },
      { path: '/vms', ugid: 'infra@pve', roleid: 'PVEVMAdmin' },
      { path: '/vms/666', ugid: 'infra@pve', roleid: 'NoAccess' },
      { path: '/storage/local-lvm', ugid: 'infra@pve', roleid: 'PVEDatastoreUser', propagate: false },
      { path: '/vms/9000', ugid: 'infra@pve!narrow', roleid: 'PVEVMAdmin' },
    ],
  });
  return { state, perms: new Permissions(() => state) };
}

describe('ACL evaluation', () => {
  it('inherits along the path, lets a user entry override group entries, and honours NoAccess', () => {
    const { perms } = setup();
    expect(perms.has('infra@pve', '/vms/100', 'VM.Allocate')).toBe(true);
    expect(perms.has('infra@pve', '/vms/666', 'VM.Audit')).toBe(false);
    // On / the user has only the group's auditor role; on /vms the user entry replaces it.
    expect(perms.has('infra@pve', '/', 'Sys.Audit')).toBe(true);
    expect(perms.has('infra@pve', '/vms', 'Sys.Audit')).toBe(false);
    expect(perms.has('auditor@pve', '/vms/100', 'VM.Audit')).toBe(false);
  });

  it('applies non-propagating entries to the exact path only', () => {
    const { perms } = setup();
    expect(perms.has('infra@pve', '/storage/local-lvm', 'Datastore.AllocateSpace')).toBe(true);
    expect(perms.privileges('infra@pve', '/storage/local-lvm').get('Datastore.AllocateSpace')).toBe(false);
  });

  it('gives tokens without privilege separation their user rights, and intersects otherwise', () => {
    const { perms } = setup();
    expect(perms.has('infra@pve!full', '/vms/100', 'VM.Allocate')).toBe(true);
    expect(perms.has('infra@pve!narrow', '/vms/100', 'VM.Allocate')).toBe(false);
    expect(perms.has('infra@pve!narrow', '/vms/9000', 'VM.Allocate')).toBe(true);
    expect(perms.has('root@pam!ci', '/', 'Sys.Modify')).toBe(true);
    expect(perms.has('nobody@pve!x', '/', 'Sys.Audit')).toBe(false);
  });

  it('reports the failing path and privilege as PVE does', () => {
    const { perms } = setup();
    expect(() => perms.check('infra@pve', '/vms/666', ['VM.Allocate'])).toThrow(
      'Permission check failed (/vms/666, VM.Allocate)',
    );
    expect(() =>
      perms.check('auditor@pve', '/storage/local', ['Datastore.Audit', 'Datastore.AllocateSpace'], true),
    ).toThrow('Permission check failed (/storage/local, Datastore.Audit|Datastore.AllocateSpace)');
  });

  it('interprets the official check expressions (perm with params, and, or)', () => {
    const { perms } = setup();
    const caller = { authId: 'infra@pve', userid: 'infra@pve', via: 'token' as const };
    const clone = {
      check: [
        'and',
        ['perm', '/vms/{vmid}', ['VM.Clone']],
        [
          'or',
          ['perm', '/vms/{newid}', ['VM.Allocate']],
          ['perm', '/pool/{pool}', ['VM.Allocate'], 'require_param', 'pool'],
        ],
      ],
    };
    expect(() => checkApiPermissions(clone, caller, { vmid: '9000', newid: '101' }, perms)).not.toThrow();
    expect(() => checkApiPermissions(clone, caller, { vmid: '9000', newid: '666' }, perms)).toThrow(
      /^Permission check failed$/,
    );
    expect(() => checkApiPermissions(clone, caller, { vmid: '666', newid: '101' }, perms)).toThrow(
      '(/vms/666, VM.Clone)',
    );
    const root = { authId: 'root@pam', userid: 'root@pam', via: 'ticket' as const };
    expect(() => checkApiPermissions(clone, root, { vmid: '666', newid: '666' }, perms)).not.toThrow();
  });
});
