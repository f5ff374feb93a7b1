import { describe, expect, it } from 'vitest';
import { exemptFromEncryption, findPlaintextLeaves } from './plaintext-scan';

const ENC =
  'ENC[AES256_GCM,data:qg==,iv:vx60zN00LB0JfpadQ7a7zvLUZq+yod8ENEKskFF/h0Y=,tag:Ona7Q2DfHcfHtX/zrRMaag==,type:str]';
const COMMENT =
  '#ENC[AES256_GCM,data:noEAYB3t8zkn/eFi,iv:QrYsClVlKANCPPDSdu/RrKKKztDCkmwPLh01DJG8y80=,tag:4TCKrUl+oclGMDQ7F+7/cQ==,type:comment]';
const sops =
  'sops:\n    age:\n        - recipient: age1x\n          enc: |\n            -----BEGIN AGE ENCRYPTED FILE-----\n            YWdl\n    mac: x\n';

describe('findPlaintextLeaves', () => {
  it('accepts a fully encrypted YAML document with encrypted comments, nulls and empty strings', () => {
    const text = `${COMMENT}\na: ${ENC}\nb: ""\nc: null\nlist:\n    - ${ENC}\n${sops}`;
    expect(findPlaintextLeaves(text, 'yaml')).toEqual([]);
  });

  it('flags plaintext values (any type) and plaintext comments by key path and line', () => {
    const text = `a: ${ENC}\nnested:\n    token: plain-value\n    port: 8006\nlist:\n    - ${ENC}\n    - plain-item # note\n${sops}`;
    expect(findPlaintextLeaves(text, 'yaml')).toEqual([
      { kind: 'value', path: 'nested.token', line: 3 },
      { kind: 'value', path: 'nested.port', line: 4 },
      { kind: 'value', path: 'list[1]', line: 7 },
      { kind: 'comment', path: '', line: 7 },
    ]);
  });

  it('honours the leaf selection sops recorded', () => {
    const text = `a_unencrypted: visible\nb: ${ENC}\n${sops}`;
    expect(findPlaintextLeaves(text, 'yaml', { unencryptedSuffix: '_unencrypted' })).toEqual([]);
    expect(findPlaintextLeaves(text, 'yaml', {})).toEqual([
      { kind: 'value', path: 'a_unencrypted', line: 1 },
    ]);
    expect(exemptFromEncryption(['data', 'x'], { encryptedRegex: '^data$' })).toBe(false);
    expect(exemptFromEncryption(['meta', 'x'], { encryptedRegex: '^data$' })).toBe(true);
    expect(exemptFromEncryption(['x_enc'], { encryptedSuffix: '_enc' })).toBe(false);
  });

  it('checks JSON values', () => {
    const text = JSON.stringify({ a: ENC, b: { c: 'plain' }, sops: { mac: 'x' } }, null, 2);
    expect(findPlaintextLeaves(text, 'json')).toEqual([{ kind: 'value', path: 'b.c', line: 4 }]);
  });

  it('checks dotenv lines', () => {
    const text = [
      `FOO=${ENC}`,
      'BAR=plain',
      'EMPTY=',
      COMMENT,
      '# plain comment',
      'sops_version=3.13.2',
    ].join('\n');
    expect(findPlaintextLeaves(text, 'dotenv')).toEqual([
      { kind: 'value', path: 'BAR', line: 2 },
      { kind: 'comment', path: '', line: 5 },
    ]);
  });
});
