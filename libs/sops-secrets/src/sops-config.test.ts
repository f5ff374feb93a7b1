import { describe, expect, it } from 'vitest';
import {
  addRecipientToConfig,
  compileGoRegex,
  configRelativePath,
  matchCreationRule,
  parseSopsConfig,
  renderSopsConfig,
  ruleRecipients,
  SECRETS_PATH_REGEX,
  type SopsConfig,
} from './sops-config';

const A = 'age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun';
const B = 'age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr';

/** An exact-path rule before the catch-all, as sops configs often have. */
const twoRules = (): SopsConfig => ({
  creation_rules: [
    { path_regex: '^secrets/local\\.enc\\.yaml$', age: [A, B] },
    { path_regex: SECRETS_PATH_REGEX, age: [B] },
  ],
});

describe('.sops.yaml as typed data', () => {
  it('reads comma-separated and list recipients, and keeps keys it does not manage', () => {
    const config = parseSopsConfig(
      `creation_rules:\n  - path_regex: a\n    age: "${A}, ${B}"\n    encrypted_regex: ^data$\n  - age: [${B}]\n`,
    );
    expect(ruleRecipients(config.creation_rules[0]!)).toEqual([A, B]);
    expect(config.creation_rules[0]!.encrypted_regex).toBe('^data$');
    expect(ruleRecipients(config.creation_rules[1]!)).toEqual([B]);
  });

  it('reads recipients from key groups', () => {
    const config = parseSopsConfig(
      `creation_rules:\n  - key_groups:\n      - age: [${A}]\n      - age: [${B}]\n`,
    );
    expect(ruleRecipients(config.creation_rules[0]!)).toEqual([A, B]);
    expect(ruleRecipients(addRecipientToConfig(config, 'age1new').creation_rules[0]!)).toEqual([
      A,
      'age1new',
      B,
    ]);
  });

  it('rejects invalid YAML, wrong shapes and bad regexes with the file named', () => {
    expect(() => parseSopsConfig('creation_rules: [', 'x/.sops.yaml')).toThrow(
      /x\/\.sops\.yaml is not valid YAML/,
    );
    expect(() => parseSopsConfig('creation_rules: 5')).toThrow(/creation_rules/);
    expect(() => parseSopsConfig('creation_rules:\n  - path_regex: "(unclosed"\n')).toThrow(
      /not a valid regular expression/,
    );
  });

  it('matches like sops: first rule wins, path relative to the config directory, no path_regex matches all', () => {
    const config = twoRules();
    expect(config.creation_rules.map((r) => r.path_regex)).toEqual([
      '^secrets/local\\.enc\\.yaml$',
      SECRETS_PATH_REGEX,
    ]);
    const rel = configRelativePath('/repo/.sops.yaml', '/repo/secrets/local.enc.yaml');
    expect(rel).toBe('secrets/local.enc.yaml');
    expect(matchCreationRule(config, rel)?.index).toBe(0);
    expect(matchCreationRule(config, 'secrets/prod.enc.yaml')?.index).toBe(1);
    expect(matchCreationRule(config, 'secrets/localXenc.yaml')).toBeUndefined();
    expect(matchCreationRule(config, 'elsewhere/prod.enc.yaml')).toBeUndefined();
    expect(matchCreationRule({ creation_rules: [{ age: [A] }] }, 'anything')?.index).toBe(0);
    expect(compileGoRegex('(?i)^SECRETS/').test('secrets/x')).toBe(true);
  });

  it('adds a recipient to selected rules only, without duplicates', () => {
    const config = twoRules();
    const all = addRecipientToConfig(config, B);
    expect(all.creation_rules.map(ruleRecipients)).toEqual([[A, B], [B]]);
    const only = addRecipientToConfig(config, 'age1x', (rule) => rule.path_regex === SECRETS_PATH_REGEX);
    expect(only.creation_rules.map(ruleRecipients)).toEqual([
      [A, B],
      [B, 'age1x'],
    ]);
  });

  it('renders with a header saying what wrote it, and parses back to the same data', () => {
    const config = twoRules();
    const text = renderSopsConfig(config);
    expect(text.startsWith('# sops creation rules')).toBe(true);
    expect(text).toContain('Written by scripts/secrets.ts');
    expect(parseSopsConfig(text)).toEqual(config);
  });
});
