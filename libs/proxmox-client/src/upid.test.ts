import { describe, expect, it } from 'vitest';
import { isTaskSuccess, parseUpid } from './upid';

describe('parseUpid', () => {
  it('decodes a token-started create task', () => {
    expect(parseUpid('UPID:pve:0001A2B3:00C4D5E6:68920F3A:qmcreate:9000:root@pam!ci:')).toEqual({
      upid: 'UPID:pve:0001A2B3:00C4D5E6:68920F3A:qmcreate:9000:root@pam!ci:',
      node: 'pve',
      pid: 0x1a2b3,
      pstart: 0xc4d5e6,
      starttime: 0x68920f3a,
      type: 'qmcreate',
      id: '9000',
      user: 'root@pam',
      tokenid: 'ci',
    });
  });

  it('rejects strings that are not UPIDs with a clear error', () => {
    for (const bad of [
      '',
      'UPID:pve:1:2:3:qmcreate:100:root@pam:',
      'UPID:pve:0001A2B3:00C4D5E6:68920F3A:qmcreate:9000:root@pam',
    ]) {
      expect(() => parseUpid(bad)).toThrow(/not a Proxmox task id/);
    }
  });
});

describe('isTaskSuccess', () => {
  it('treats OK and WARNINGS: n as success, anything else as failure', () => {
    expect(isTaskSuccess('OK')).toBe(true);
    expect(isTaskSuccess('WARNINGS: 2')).toBe(true);
    expect(isTaskSuccess("refusing to override existing file '/var/lib/vz/import/x.qcow2'")).toBe(false);
    expect(isTaskSuccess('unexpected status')).toBe(false);
    expect(isTaskSuccess(undefined)).toBe(false);
  });
});
