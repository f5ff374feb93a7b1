import { describe, expect, it } from 'vitest';
import { callExpression, judgeCalls, pathsOf } from './privileges';

const vars = { node: 'pve', storage: 'local', vmid: '9000', newid: '9001', id: 'gpu' };
const held = (entries: Record<string, string[]>) =>
  new Map(Object.entries(entries).map(([path, privs]) => [path, new Set(privs)]));

describe('privileges from the schema permission blocks', () => {
  it('reads and/or/any checks of download-url and clone with the placeholders filled in', () => {
    expect(
      pathsOf(callExpression({ key: 'POST /nodes/{node}/storage/{storage}/download-url' }, vars)),
    ).toEqual(['/storage/local', '/', '/nodes/pve']);
    // clone: VM.Clone on the source and VM.Allocate on /vms/{newid} (the pool alternative needs a pool param)
    expect(pathsOf(callExpression({ key: 'POST /nodes/{node}/qemu/{vmid}/clone' }, vars))).toEqual([
      '/vms/9000',
      '/vms/9001',
    ]);
  });

  it('accepts either alternative of an "or" and reports the first when neither holds', () => {
    const call = [{ key: 'POST /nodes/{node}/storage/{storage}/download-url' }];
    const viaNode = held({
      '/storage/local': ['Datastore.AllocateTemplate'],
      '/nodes/pve': ['Sys.AccessNetwork'],
    });
    expect(judgeCalls(call, vars, viaNode)[0]!.missing).toEqual([]);
    const neither = held({ '/storage/local': ['Datastore.AllocateTemplate'], '/': ['Sys.Audit'] });
    expect(judgeCalls(call, vars, neither)[0]!.missing).toEqual([
      { path: '/', privileges: ['Sys.Modify'], any: false },
    ]);
  });

  it('"any" is met by one privilege; extra (handler-checked) privileges are required in full', () => {
    const call = [
      {
        key: 'PUT /nodes/{node}/qemu/{vmid}/config',
        extra: [{ path: '/vms/9000', privileges: ['VM.Config.Disk', 'VM.Config.Network'] }],
      },
    ];
    const some = held({ '/vms/9000': ['VM.Config.Disk'] });
    expect(judgeCalls(call, vars, some)[0]!.missing).toEqual([
      { path: '/vms/9000', privileges: ['VM.Config.Network'], any: false },
    ]);
    const none = judgeCalls([{ key: 'PUT /nodes/{node}/qemu/{vmid}/config' }], vars, held({}))[0]!;
    expect(none.missing[0]).toMatchObject({ path: '/vms/9000', any: true });
    expect(none.missing[0]!.privileges).toContain('VM.Config.Cloudinit');
  });

  it('calls any user may make need nothing', () => {
    expect(judgeCalls([{ key: 'GET /cluster/resources' }], vars, held({}))[0]!.missing).toEqual([]);
  });
});
