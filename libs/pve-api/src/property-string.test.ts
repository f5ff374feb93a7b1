import { describe, expect, it } from 'vitest';
import { PROPERTY_STRING_FORMATS } from './generated/endpoints';
import {
  encodePropertyString,
  fromPveBoolean,
  parsePropertyString,
  splitPropertyString,
  toPveBoolean,
} from './property-string';

describe('encodePropertyString', () => {
  it('writes the default key bare, booleans as 1/0, and keeps key order', () => {
    expect(
      encodePropertyString({ file: 'local-lvm:0', 'import-from': 'local:import/t.qcow2', iothread: true }),
    ).toBe('local-lvm:0,import-from=local:import/t.qcow2,iothread=1');
  });

  it('uses the named format to find the default key and rejects unknown keys', () => {
    expect(encodePropertyString('net', { bridge: 'vmbr0', model: 'virtio', firewall: false })).toBe(
      'virtio,bridge=vmbr0,firewall=0',
    );
    expect(encodePropertyString('pve-qm-hostpci', { mapping: 'rtx4000ada', pcie: true })).toBe(
      'mapping=rtx4000ada,pcie=1',
    );
    expect(() => encodePropertyString('net', { bridge: 'vmbr0', colour: 'red' } as never)).toThrow(
      /not a key of the net/,
    );
  });

  it('skips undefined and null values', () => {
    // A JavaScript caller (or a spread of optional fields) can hand over explicit undefined; the type forbids it.
    expect(encodePropertyString('agent', { enabled: true, fstrim_cloned_disks: undefined } as never)).toBe(
      '1',
    );
  });

  it('writes every key as key=value when the formats having those keys disagree on the default', () => {
    // `type` is the default key of vga but not of agent, so it must not be written bare.
    expect(encodePropertyString({ type: 'virtio' })).toBe('type=virtio');
  });

  it('refuses values with commas, which would silently split', () => {
    expect(() => encodePropertyString({ file: 'local:0', serial: 'a,b' })).toThrow(/comma/);
  });
});

describe('parsePropertyString', () => {
  it('resolves aliases and key aliases (virtio=MAC)', () => {
    expect(parsePropertyString('virtio=BC:24:11:00:00:01,bridge=vmbr0', 'net')).toEqual({
      model: 'virtio',
      macaddr: 'BC:24:11:00:00:01',
      bridge: 'vmbr0',
    });
    expect(parsePropertyString('volume=local-lvm:vm-100-disk-0', 'efidisk')).toEqual({
      file: 'local-lvm:vm-100-disk-0',
    });
  });

  it('round-trips an encoded disk', () => {
    const text = encodePropertyString('scsi', {
      file: 'local-lvm:0',
      'import-from': 'local:import/x.raw',
      discard: 'on',
    });
    expect(parsePropertyString(text, 'scsi')).toEqual({
      file: 'local-lvm:0',
      'import-from': 'local:import/x.raw',
      discard: 'on',
    });
  });

  it('reports the errors parse_property_string reports', () => {
    const scsi = PROPERTY_STRING_FORMATS.scsi;
    expect(splitPropertyString('local:1,bogus=1', scsi)).toEqual({
      ok: false,
      error: 'invalid key in comma-separated list property: bogus',
    });
    expect(splitPropertyString('local:1,file=local:2', scsi)).toEqual({
      ok: false,
      error: 'duplicate key in comma-separated list property: file',
    });
    expect(() => parsePropertyString('x', PROPERTY_STRING_FORMATS['pve-qm-ipconfig'])).toThrow(
      /value without key, but schema does not define a default key/,
    );
  });
});

describe('keys named like Object.prototype members', () => {
  it.each(['constructor', 'toString', '__proto__'])(
    '"%s" is an unknown key of a format, and a plain key without one',
    (key) => {
      expect(splitPropertyString(`local:1,${key}=1`, PROPERTY_STRING_FORMATS.scsi)).toEqual({
        ok: false,
        error: `invalid key in comma-separated list property: ${key}`,
      });
      const split = splitPropertyString(`${key}=1`);
      expect(split.ok && Object.keys(split.values)).toEqual([key]);
      expect(split.ok && Object.getPrototypeOf(split.values)).toBe(Object.prototype);
      expect(() => encodePropertyString('net', { [key]: '1' } as never)).toThrow(/is not a key of the net/);
    },
  );
});

describe('boolean conversion', () => {
  it('maps booleans to 0/1 and back', () => {
    expect([toPveBoolean(true), toPveBoolean(false)]).toEqual([1, 0]);
    expect([
      fromPveBoolean(1),
      fromPveBoolean('1'),
      fromPveBoolean(true),
      fromPveBoolean(0),
      fromPveBoolean('0'),
    ]).toEqual([true, true, true, false, false]);
  });
});
