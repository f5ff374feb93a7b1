import { describe, expect, it } from 'vitest';
import { isEncryptedValue, readSopsMetadata } from './metadata';

const ENC =
  'ENC[AES256_GCM,data:7RaaLSBoWDT4KFwr,iv:C1CHxjDiZkr9ZqN/RS8I2Wc2M6IPtf8QUDf8DyiBraQ=,tag:E7G7ODDYKTKTc3F3IA7XRw==,type:str]';
const R1 = 'age13a4hgkv0ekw9sf9w2y6e2lwar2pl2v90pnnf23n7yhhx8szr45yqv6kc74';
const R2 = 'age1l8e2550tkh25z268lzk6z4ru8wefw7w34mn2nfd4s9y9lts9t4vqszkalu';

describe('readSopsMetadata', () => {
  it('reads recipients, wrapped keys and leaf selection from YAML', () => {
    const text = `a: ${ENC}\nsops:\n    age:\n        - recipient: ${R1}\n          enc: |\n            -----BEGIN AGE ENCRYPTED FILE-----\n            abc\n            -----END AGE ENCRYPTED FILE-----\n    lastmodified: "2026-11-22T03:18:26Z"\n    mac: ${ENC}\n    unencrypted_suffix: _unencrypted\n    version: 3.13.2\n`;
    const metadata = readSopsMetadata(text, 'yaml')!;
    expect(metadata.recipients).toEqual([R1]);
    expect(metadata.wrappedKeys[0]!.enc).toContain('BEGIN AGE ENCRYPTED FILE');
    expect(metadata.selection.unencryptedSuffix).toBe('_unencrypted');
    expect(metadata.version).toBe('3.13.2');
    expect(metadata.otherKeyTypes).toEqual([]);
  });

  it('reads key groups and notices non-age master keys in JSON', () => {
    const json = JSON.stringify({
      a: ENC,
      sops: {
        key_groups: [
          { age: [{ recipient: R1, enc: 'x' }] },
          { age: [{ recipient: R2, enc: 'y' }], pgp: [{ fp: 'F' }] },
        ],
        mac: ENC,
        lastmodified: 'z',
      },
    });
    const metadata = readSopsMetadata(json, 'json')!;
    expect(metadata.recipients).toEqual([R1, R2]);
    expect(metadata.otherKeyTypes).toEqual(['pgp']);
  });

  it('unflattens dotenv metadata', () => {
    const text = [
      `FOO=${ENC}`,
      'sops_age__list_0__map_enc=-----BEGIN AGE ENCRYPTED FILE-----\\nabc\\n-----END AGE ENCRYPTED FILE-----\\n',
      `sops_age__list_0__map_recipient=${R1}`,
      `sops_age__list_1__map_recipient=${R2}`,
      'sops_lastmodified=2026-11-22T03:18:40Z',
      `sops_mac=${ENC}`,
      'sops_version=3.13.2',
    ].join('\n');
    const metadata = readSopsMetadata(text, 'dotenv')!;
    expect(metadata.recipients).toEqual([R1, R2]);
    expect(metadata.wrappedKeys[0]!.enc).toBe(
      '-----BEGIN AGE ENCRYPTED FILE-----\nabc\n-----END AGE ENCRYPTED FILE-----\n',
    );
  });

  it('says "not encrypted" for plaintext, invalid text, and a document that merely has a sops key', () => {
    expect(readSopsMetadata('a: 1\n', 'yaml')).toBeUndefined();
    expect(readSopsMetadata('{not json', 'json')).toBeUndefined();
    expect(readSopsMetadata('sops:\n  tool: great\n', 'yaml')).toBeUndefined();
    expect(readSopsMetadata('FOO=bar\n', 'dotenv')).toBeUndefined();
  });

  it('recognises the encrypted value shape', () => {
    expect(isEncryptedValue(ENC)).toBe(true);
    expect(isEncryptedValue('ENC[AES256_GCM,data:,iv:QrYs=,tag:4TCK==,type:str]')).toBe(true);
    expect(isEncryptedValue('ENC[fake]')).toBe(false);
    expect(isEncryptedValue(`${ENC} trailing`)).toBe(false);
  });
});
