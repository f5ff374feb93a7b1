import { describe, expect, it } from 'vitest';
import { decodeTaskId, decodeUpid, encodeTaskId, encodeUpid, isUpid } from './upid';

describe('UPID codec', () => {
  it('decodes real PVE UPIDs, token users split into user and token', () => {
    expect(decodeUpid('UPID:pve:0001A2B3:00C4D5E6:68920F3A:qmcreate:9000:root@pam!ci:')).toEqual({
      node: 'pve',
      pid: 0x1a2b3,
      pstart: 0xc4d5e6,
      starttime: 0x68920f3a,
      type: 'qmcreate',
      id: '9000',
      user: 'root@pam',
      tokenid: 'ci',
    });
    expect(decodeUpid('UPID:pve:00061CB3:010BA69C:64EFECB0:qmstart:101:root@pam:')).not.toHaveProperty(
      'tokenid',
    );
  });

  it('accepts real-world shapes: 9-digit pstart, hyphenated node, empty id, %-escaped id', () => {
    expect(decodeUpid('UPID:pve-mp:00000ACD:106AE8A1B:679A423B:qmclone:112:capmox@pve!capi:')?.pstart).toBe(
      0x106ae8a1b,
    );
    expect(decodeUpid('UPID:pve:00061CB3:010BA69C:64EFECB0:imgcopy::root@pam:')?.id).toBe('');
    expect(decodeUpid('UPID:node:003094EA:095F1EFE:63E88772:download:a%3Ab.iso:root@pam:')?.id).toBe(
      'a:b.iso',
    );
  });

  it('rejects strings that are not UPIDs', () => {
    for (const bad of [
      '',
      'UPID:pve:1:2:3:qmcreate:100:root@pam:',
      'UPID:pve:0001A2B3:00C4D5E6:68920F3A:qmcreate:9000:root@pam',
    ]) {
      expect(isUpid(bad)).toBe(false);
      expect(decodeUpid(bad)).toBeNull();
    }
  });

  it('encodes with upper-case zero-padded hex and round-trips', () => {
    const upid = {
      node: 'pve',
      pid: 0x1a2b,
      pstart: 0xabc,
      starttime: 0x68920f3a,
      type: 'download',
      id: 'talos.qcow2',
      user: 'infra@pve',
      tokenid: 'ci',
    };
    const text = encodeUpid(upid);
    expect(text).toBe('UPID:pve:00001A2B:00000ABC:68920F3A:download:talos.qcow2:infra@pve!ci:');
    expect(decodeUpid(text)).toEqual(upid);
  });

  it('escapes ids as pve-common encode_text does: controls, colon and high bytes; not space or percent', () => {
    expect(encodeTaskId('a:b')).toBe('a%3Ab');
    expect(encodeTaskId('tab\there')).toBe('tab%09here');
    expect(encodeTaskId('100% a')).toBe('100% a');
    expect(encodeTaskId('é')).toBe('%C3%A9');
    expect(decodeTaskId('%C3%A9:%3A')).toBe('é::');
    const text = encodeUpid({
      node: 'pve',
      pid: 1,
      pstart: 1,
      starttime: 1,
      type: 'download',
      id: 'x:y',
      user: 'root@pam',
    });
    expect(text).toContain(':download:x%3Ay:');
    expect(decodeUpid(text)?.id).toBe('x:y');
  });
});
