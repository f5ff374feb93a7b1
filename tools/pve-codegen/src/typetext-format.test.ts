import { describe, expect, it } from 'vitest';
import { anchoredRegex, perlPatternToJs } from './perl-regex';
import { formatFromTypetext } from './typetext-format';

describe('formatFromTypetext', () => {
  it('derives keys, default key, booleans and enums from a hostpci-style typetext', () => {
    const format = formatFromTypetext(
      '[[host=]<HOSTPCIID[;HOSTPCIID2...]>] [,device-id=<hex id>] [,pcie=<1|0>] [,mapping=<mapping-id>]',
      { 'device-id': { pattern: '0x[0-9a-fA-F]{4}' } },
    );
    expect(format).toEqual({
      source: 'typetext',
      keys: {
        host: { type: 'string', optional: true, defaultKey: true },
        'device-id': { type: 'string', pattern: '0x[0-9a-fA-F]{4}', optional: true },
        pcie: { type: 'boolean', optional: true },
        mapping: { type: 'string', optional: true },
      },
    });
  });

  it('keeps a required default key required and reads enums', () => {
    expect(formatFromTypetext('[file=]<volume> [,efitype=<2m|4m>]')?.keys).toEqual({
      file: { type: 'string', defaultKey: true },
      efitype: { type: 'string', enum: ['2m', '4m'], optional: true },
    });
  });

  it('returns null for typetexts that are not property strings', () => {
    expect(formatFromTypetext('<string>')).toBeNull();
    expect(formatFromTypetext('[[order=]\\d+] [,up=\\d+]')).toBeNull();
  });
});

describe('perlPatternToJs', () => {
  it('rewrites qr// stringification and {,n}', () => {
    expect(perlPatternToJs('(?^:^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$)')).toBe(
      '(?:^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$)',
    );
    const product = anchoredRegex(perlPatternToJs('[A-Za-z0-9\\-_\\s]{,16}'));
    expect(product.test('QEMU HARDDISK')).toBe(true);
    expect(product.test('x'.repeat(17))).toBe(false);
  });

  it('anchors like Proxmox (whole value)', () => {
    const serial = anchoredRegex(perlPatternToJs('(/dev/.+|socket)'));
    expect(serial.test('socket')).toBe(true);
    expect(serial.test('mysocket')).toBe(false);
  });
});
