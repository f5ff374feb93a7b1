import { encodePropertyString, validateRequest } from '@infra/pve-api';
import { describe, expect, it } from 'vitest';
import { decodeForm, encodeForm, splitPathParams } from './encoding';

describe('encodeForm', () => {
  it('encodes booleans as 1/0, numbers as decimals, arrays as repeated keys and drops undefined', () => {
    const form = encodeForm({
      vmid: 9000,
      template: false,
      onboot: true,
      map: ['a=1', 'b=2'],
      name: undefined,
      description: null,
    });
    expect(form.toString()).toBe('vmid=9000&template=0&onboot=1&map=a%3D1&map=b%3D2');
    expect(decodeForm(form)).toEqual({ vmid: '9000', template: '0', onboot: '1', map: ['a=1', 'b=2'] });
  });

  it('keeps property strings and urlencoded ssh keys intact through form encoding', () => {
    const sshkeys = encodeURIComponent('ssh-ed25519 AAAAC3Nz user@host\nssh-rsa AAAAB3 other');
    const scsi0 = encodePropertyString('scsi', {
      file: 'local-lvm:0',
      'import-from': 'local:import/talos.qcow2',
      iothread: true,
    });
    const sent = decodeForm(new URLSearchParams(encodeForm({ vmid: 9000, scsi0, sshkeys }).toString()));
    expect(sent.scsi0).toBe('local-lvm:0,import-from=local:import/talos.qcow2,iothread=1');
    expect(sent.sshkeys).toBe(sshkeys);
    expect(validateRequest('POST', '/nodes/pve/qemu', sent)).toBeNull();
  });

  it('refuses objects and non-finite numbers', () => {
    expect(() => encodeForm({ x: { a: 1 } as never })).toThrow(/x is an object/);
    expect(() => encodeForm({ cores: Number.NaN })).toThrow(/not a finite number/);
  });
});

describe('splitPathParams', () => {
  it('fills the template with encoded path params and returns the rest', () => {
    const upid = 'UPID:pve:0001A2B3:00C4D5E6:68920F3A:qmcreate:9000:root@pam!ci:';
    expect(splitPathParams('/nodes/{node}/tasks/{upid}/log', { node: 'pve', upid, start: 0 })).toEqual({
      path: `/nodes/pve/tasks/${encodeURIComponent(upid)}/log`,
      rest: { start: 0 },
    });
    expect(() => splitPathParams('/nodes/{node}/qemu', {})).toThrow(
      /node of \/nodes\/\{node\}\/qemu is missing/,
    );
  });
});
