import { describe, expect, it } from 'vitest';
import { PVE_RESPONSES } from './generated/responses';

describe('generated response validators', () => {
  it('accept what Perl sends: numeric strings, 0/1 booleans and nulls', () => {
    expect(PVE_RESPONSES['GET /cluster/nextid'].parse('100')).toBe(100);
    expect(PVE_RESPONSES['GET /cluster/nextid'].parse(101)).toBe(101);
    const [item] = PVE_RESPONSES['GET /cluster/resources'].parse([
      { id: 'qemu/9000', vmid: 9000, node: 'pve', type: 'qemu', status: 'stopped', template: 1, name: null },
    ]);
    expect(item).toMatchObject({ id: 'qemu/9000', vmid: 9000, template: true });
    expect(item).not.toHaveProperty('name');
  });

  it('reject data that breaks the schema', () => {
    expect(() => PVE_RESPONSES['GET /nodes/{node}/tasks/{upid}/status'].parse({ status: 1 })).toThrow();
    expect(() => PVE_RESPONSES['GET /version'].parse({ version: 9 })).toThrow();
    expect(() => PVE_RESPONSES['GET /cluster/nextid'].parse('abc')).toThrow();
  });

  it('accept enum values the 9.0 dump does not list (a newer server must not break reads)', () => {
    const config = PVE_RESPONSES['GET /nodes/{node}/qemu/{vmid}/config'].parse({
      digest: 'abc',
      lock: 'template',
    });
    expect(config.lock).toBe('template');
  });

  it('keep fields newer servers add', () => {
    const v = PVE_RESPONSES['GET /version'].parse({
      version: '9.0.3',
      release: '9.0',
      repoid: '025864202ebb6109',
      extra: 1,
    });
    expect(v).toMatchObject({ version: '9.0.3', extra: 1 });
  });
});
