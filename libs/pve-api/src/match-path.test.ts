import { describe, expect, it } from 'vitest';
import { PVE_ENDPOINTS } from './generated/endpoints';
import { indexedEntries, lookupParam, nextFreeIndex, parseIndexedKey } from './indexed';
import { apiPath, fillPath, matchPath } from './match-path';

describe('matchPath', () => {
  it('finds templates and decodes path parameters', () => {
    const upid = 'UPID:pve:0001A2B3:00C4D5E6:68920F3A:qmcreate:9000:root@pam!ci:';
    const match = matchPath('get', `/api2/json/nodes/pve/tasks/${encodeURIComponent(upid)}/status`);
    expect(match?.template).toBe('/nodes/{node}/tasks/{upid}/status');
    expect(match?.pathParams).toEqual({ node: 'pve', upid });
    expect(matchPath('POST', '/nodes/pve/qemu/100/status/start')?.template).toBe(
      '/nodes/{node}/qemu/{vmid}/status/start',
    );
    expect(matchPath('GET', '/storage/local')?.pathParams).toEqual({ storage: 'local' });
  });

  it('returns null for unknown paths and for methods a path does not have', () => {
    expect(matchPath('GET', '/nodes/pve/frobnicate')).toBeNull();
    expect(matchPath('DELETE', '/version')).toBeNull();
    expect(matchPath('GET', '/nodes/pve/qemu/100/status/start')).toBeNull();
  });

  it('fills templates with encoded segments', () => {
    expect(
      fillPath('/nodes/{node}/storage/{storage}/content/{volume}', {
        node: 'pve',
        storage: 'local',
        volume: 'local:iso/a.iso',
      }),
    ).toBe('/nodes/pve/storage/local/content/local%3Aiso%2Fa.iso');
    expect(apiPath('/api2/json/version?x=1')).toBe('/version');
  });
});

describe('indexed parameters', () => {
  const createParams = PVE_ENDPOINTS['/nodes/{node}/qemu']!.POST!.params;

  it('maps concrete names onto name[n] within the allowed range', () => {
    expect(lookupParam(createParams, 'scsi30')?.key).toBe('scsi[n]');
    expect(lookupParam(createParams, 'scsi31')).toBeUndefined();
    expect(lookupParam(createParams, 'scsi01')).toBeUndefined();
    expect(lookupParam(createParams, 'hostpci15')?.key).toBe('hostpci[n]');
    expect(lookupParam(createParams, 'hostpci16')).toBeUndefined();
    expect(lookupParam(createParams, 'efidisk0')?.key).toBe('efidisk0');
    expect(parseIndexedKey('net12')).toEqual({ base: 'net', index: 12 });
  });

  it('finds free indexes and lists entries in order', () => {
    const config = { scsi0: 'a', scsi2: 'c', scsi1: 'b', net0: 'n' };
    expect(nextFreeIndex(config, 'scsi')).toBe(3);
    expect(nextFreeIndex(config, 'unused')).toBe(0);
    expect(indexedEntries(config, 'scsi').map(([i]) => i)).toEqual([0, 1, 2]);
  });
});
