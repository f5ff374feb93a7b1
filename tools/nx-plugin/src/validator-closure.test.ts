import { describe, expect, it } from 'vitest';
import { memoryReader } from './test-utils/memory-reader';
import { validatorClosure } from './validator-closure';

const TREE = {
  'scripts/validate.ts': [
    "import { parseArgs } from 'node:util';",
    "import { readFileSync } from 'fs';",
    "import { check } from '@infra/validators';",
    "import { helper } from './lib/helper.js';",
    "import { dir } from './lib';",
    "import { z } from 'zod';",
  ].join('\n'),
  'scripts/lib/helper.ts': "import { a } from '../shared';\nimport chalk from 'chalk/sub';\n",
  'scripts/lib/index.ts': '',
  'scripts/shared.ts': "import { helper } from './lib/helper';\n",
  'libs/validators/package.json': JSON.stringify({
    dependencies: { '@infra/core': 'workspace:*', execa: '10.2.1' },
    devDependencies: { vitest: '5.1.1' },
    peerDependencies: { yaml: '2.9.1' },
  }),
  'libs/core/package.json': JSON.stringify({ dependencies: { '@infra/validators': 'workspace:*' } }),
  'libs/other/package.json': JSON.stringify({ dependencies: { lodash: '1' } }),
};
const PACKAGES = new Map([
  ['@infra/validators', 'libs/validators'],
  ['@infra/core', 'libs/core'],
  ['@infra/other', 'libs/other'],
]);

describe('validatorClosure', () => {
  it('follows relative imports file by file and workspace packages transitively (cycles included)', () => {
    const closure = validatorClosure('scripts/validate.ts', memoryReader(TREE), PACKAGES);
    expect(closure.inputs).toEqual([
      '{workspaceRoot}/scripts/lib/helper.ts',
      '{workspaceRoot}/scripts/lib/index.ts',
      '{workspaceRoot}/scripts/shared.ts',
      '{workspaceRoot}/scripts/validate.ts',
      '{workspaceRoot}/libs/core/**/*',
      '!{workspaceRoot}/libs/core/**/*.test.ts',
      '!{workspaceRoot}/libs/core/**/*.md',
      '{workspaceRoot}/libs/validators/**/*',
      '!{workspaceRoot}/libs/validators/**/*.test.ts',
      '!{workspaceRoot}/libs/validators/**/*.md',
    ]);
    // Runtime npm dependencies only, with the folder declaring each: no builtins, no devDependencies, no
    // unrelated lib's packages.
    expect(closure.externals).toEqual([
      { name: 'chalk', importer: '.' },
      { name: 'execa', importer: 'libs/validators' },
      { name: 'tsx', importer: '.' },
      { name: 'yaml', importer: 'libs/validators' },
      { name: 'zod', importer: '.' },
    ]);
  });

  it('a missing entry still hashes its own path (creating it later re-validates everything)', () => {
    expect(validatorClosure('scripts/validate.ts', memoryReader({}), new Map())).toEqual({
      inputs: ['{workspaceRoot}/scripts/validate.ts'],
      externals: [{ name: 'tsx', importer: '.' }],
    });
  });
});
