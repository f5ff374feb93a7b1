import { describe, expect, it } from 'vitest';
import { defaultEnvironment, environmentNames } from './environments';

describe('environmentNames', () => {
  it('lists the environments in file order', () => {
    const config = 'catalog: {}\nenvironments:\n  local: {}\n  dev:\n    extends: local\n  prod: {}\n';
    expect(environmentNames(config)).toEqual(['local', 'dev', 'prod']);
  });

  it('falls back to local when the file is missing, unparsable or has no environments', () => {
    expect(environmentNames(undefined)).toEqual(['local']);
    expect(environmentNames('environments: [')).toEqual(['local']);
    expect(environmentNames('environments: [a, b]')).toEqual(['local']);
    expect(environmentNames('catalog: {}')).toEqual(['local']);
  });

  it('ignores names that cannot be a configuration argument', () => {
    expect(environmentNames('environments:\n  "bad name": {}\n  ok: {}\n')).toEqual(['ok']);
  });
});

describe('defaultEnvironment', () => {
  it('is local when declared, else the first', () => {
    expect(defaultEnvironment(['prod', 'local'])).toBe('local');
    expect(defaultEnvironment(['dev', 'prod'])).toBe('dev');
  });
});
