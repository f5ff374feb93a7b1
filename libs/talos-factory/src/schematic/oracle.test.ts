import { describe, expect, it } from 'vitest';
import vectors from './oracle-vectors.json';
import { parseSchematic, resolveSchematic } from './schematic';

interface Vector {
  name: string;
  input: string;
  canonical?: string;
  id?: string;
  error?: string;
}

// Every vector's expected output was computed by go-yaml v4 itself (see ../../oracle), not by this code.
describe('canonical encoding matches go-yaml v4 (oracle vectors)', () => {
  const list = vectors.vectors as Vector[];

  it('has a meaningful number of vectors', () => {
    expect(list.length).toBeGreaterThan(1000);
  });

  it.each(list.filter((v) => v.error === undefined).map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const resolved = resolveSchematic(parseSchematic(v.input));
    expect(resolved.canonical).toBe(v.canonical);
    expect(resolved.id).toBe(v.id);
  });

  it.each(list.filter((v) => v.error !== undefined).map((v) => [v.name, v] as const))(
    'rejects %s',
    (_name, v) => {
      expect(() => parseSchematic(v.input)).toThrow(expect.objectContaining({ code: 'SCHEMATIC_INVALID' }));
    },
  );
});
