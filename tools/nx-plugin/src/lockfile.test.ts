import { describe, expect, it } from 'vitest';
import { indexPnpmLockfile, pinExternalDependencies } from './lockfile';

const LOCKFILE = [
  "lockfileVersion: '9.0'",
  '',
  'settings:',
  '  autoInstallPeers: true',
  '',
  'importers:',
  '',
  '  .:',
  '    dependencies:',
  "      '@infra/core':",
  '        specifier: workspace:*',
  '        version: link:libs/core',
  '      zod:',
  '        specifier: 4.6.7',
  '        version: 4.6.7',
  '      yaml:',
  '        specifier: 2.9.1',
  '        version: 2.9.1',
  '    devDependencies:',
  '      tsx:',
  '        specifier: 4.23.15',
  '        version: 4.23.15(typescript@5.9.3)',
  '',
  '  libs/toolchain:',
  '    dependencies:',
  '      smol-toml:',
  '        specifier: 1.9.1',
  '        version: 1.9.1',
  '      yaml:',
  '        specifier: 2.9.0',
  '        version: 2.9.0',
  '',
  'packages:',
  '',
  "  '@nx/devkit@23.3.1':",
  '    resolution: {integrity: sha512-x}',
  '  smol-toml@1.9.0:',
  '    resolution: {integrity: sha512-a}',
  '  smol-toml@1.9.1:',
  '    resolution: {integrity: sha512-b}',
  '  tsx@4.23.15:',
  '    resolution: {integrity: sha512-c}',
  '  yaml@2.9.0:',
  '    resolution: {integrity: sha512-d}',
  '  yaml@2.9.1:',
  '    resolution: {integrity: sha512-e}',
  '  zod@4.6.7:',
  '    resolution: {integrity: sha512-f}',
  '',
  'snapshots:',
  '',
  "  '@swc/core@1.16.22(@swc/helpers@0.5.1)':",
  '    optional: true',
  '',
].join('\n');

describe('indexPnpmLockfile', () => {
  const index = indexPnpmLockfile(LOCKFILE);

  it('lists every version of every package (peer suffixes stripped)', () => {
    expect(
      Object.fromEntries([...index.versions].map(([name, versions]) => [name, [...versions].sort()])),
    ).toEqual({
      '@nx/devkit': ['23.3.1'],
      '@swc/core': ['1.16.22'],
      'smol-toml': ['1.9.0', '1.9.1'],
      tsx: ['4.23.15'],
      yaml: ['2.9.0', '2.9.1'],
      zod: ['4.6.7'],
    });
  });

  it('knows what each importer resolved, ignoring workspace links', () => {
    expect(Object.fromEntries(index.importers.get('.')!)).toEqual({
      zod: '4.6.7',
      yaml: '2.9.1',
      tsx: '4.23.15',
    });
    expect(Object.fromEntries(index.importers.get('libs/toolchain')!)).toEqual({
      'smol-toml': '1.9.1',
      yaml: '2.9.0',
    });
  });
});

describe('pinExternalDependencies', () => {
  const index = indexPnpmLockfile(LOCKFILE);

  it('names single-version and root-version packages plainly, pins the others, drops unknown ones', () => {
    expect(
      pinExternalDependencies(
        [
          { name: 'zod', importer: 'libs/toolchain' },
          { name: 'tsx', importer: '.' },
          { name: 'smol-toml', importer: 'libs/toolchain' },
          { name: 'yaml', importer: 'libs/toolchain' },
          { name: 'yaml', importer: '.' },
          { name: 'not-installed', importer: '.' },
        ],
        index,
      ),
    ).toEqual(['smol-toml@1.9.1', 'tsx', 'yaml', 'yaml@2.9.0', 'zod']);
  });

  it('drops everything without a lockfile', () => {
    expect(pinExternalDependencies([{ name: 'zod', importer: '.' }], indexPnpmLockfile(''))).toEqual([]);
  });
});
