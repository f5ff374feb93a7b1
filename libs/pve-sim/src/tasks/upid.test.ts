import { describe, expect, it } from 'vitest';
import { decodeUpid, encodeTaskId, encodeUpid } from './upid';

describe('UPID', () => {
  it('decodes real PVE UPIDs, including token users', () => {
    expect(decodeUpid('UPID:pve:00061CB3:010BA69C:64EFECB0:qmcreate:101:root@pam:')).toEqual({
      node: 'pve',
      pid: 0x61cb3,
      pstart: 0x10ba69c,
      starttime: 0x64efecb0,
      type: 'qmcreate',
      id: '101',
      user: 'root@pam',
    });
    expect(decodeUpid('UPID:pve-mp:00000ACD:00006AE8:679A423B:qmclone:112:capmox@pve!capi:')?.user).toBe(
      'capmox@pve!capi',
    );
    expect(decodeUpid('UPID:pve:0001A2B3:00C4D5E6:68920F3A:imgdel::root@pam:')?.id).toBe('');
  });

  it('rejects malformed ones', () => {
    expect(decodeUpid('UPID:pve:1:2:3:qmcreate:101:root@pam:')).toBeNull();
    expect(decodeUpid('UPID:pve:00061CB3:010BA69C:64EFECB0:qmcreate:101:root@pam')).toBeNull();
  });

  it('encodes with uppercase, zero-padded hex and round-trips', () => {
    const upid = {
      node: 'pve',
      pid: 0x1a2b,
      pstart: 0xabc,
      starttime: 0x68920f3a,
      type: 'download',
      id: 'talos.qcow2',
      user: 'infra@pve!ci',
    };
    const text = encodeUpid(upid);
    expect(text).toBe('UPID:pve:00001A2B:00000ABC:68920F3A:download:talos.qcow2:infra@pve!ci:');
    expect(decodeUpid(text)).toEqual(upid);
  });

  it('escapes separators in task ids so the UPID stays parseable', () => {
    expect(encodeTaskId('a:b c%')).toBe('a\\x3ab\\x20c\\x25');
    const text = encodeUpid({
      node: 'pve',
      pid: 1,
      pstart: 1,
      starttime: 1,
      type: 'download',
      id: 'x:y',
      user: 'root@pam',
    });
    expect(decodeUpid(text)?.id).toBe('x\\x3ay');
  });
});
