import { describe, expect, it } from 'vitest';
import { importSpecifiers, packageName } from './imports';

describe('importSpecifiers', () => {
  it('finds static, side-effect, re-export and dynamic imports; skips type-only imports and comments', () => {
    const source = `
import { a } from './a';
import b, { c } from "@infra/validators";
import type { T } from 'not-at-runtime';
import 'side-effect';
export { d } from '../d.js';
export * from 'zod';
const e = await import('./lazy');
// import { x } from 'commented-out';
/* import { y } from 'block-commented'; */
import {
  multi,
  line,
} from 'yaml/util';
`;
    expect(importSpecifiers(source).sort()).toEqual(
      ['../d.js', './a', './lazy', '@infra/validators', 'side-effect', 'yaml/util', 'zod'].sort(),
    );
  });
});

describe('packageName', () => {
  it('maps bare specifiers to their package and ignores relative, absolute and node: ones', () => {
    expect(packageName('zod')).toBe('zod');
    expect(packageName('yaml/util')).toBe('yaml');
    expect(packageName('@infra/core')).toBe('@infra/core');
    expect(packageName('@nx/devkit/internal')).toBe('@nx/devkit');
    expect(packageName('./x')).toBeUndefined();
    expect(packageName('/abs')).toBeUndefined();
    expect(packageName('node:fs')).toBeUndefined();
  });
});
