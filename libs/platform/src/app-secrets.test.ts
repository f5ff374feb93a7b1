import { describe, expect, it } from 'vitest';
import { appSecretManifest, checkAppSecrets, splitSopsMetadata } from './app-secrets';
import type { Component } from './component';
import { parseManifests } from './manifests';

const REGEX = '^(data|stringData)$';
const FILE = 'kubernetes/app/credentials.enc.yaml';
const component: Component = {
  name: 'app',
  dir: 'kubernetes/app',
  spec: {
    delivery: 'gitops',
    secrets: {
      'credentials.enc.yaml': { name: 'app-credentials', namespace: 'app', keys: { token: 'random-token' } },
    },
  },
  manifestFiles: [FILE],
};

const cipher = 'ENC[AES256_GCM,data:Zm9v,iv:YmFy,tag:YmF6,type:str]';
/** The shape sops writes with encrypted_regex: values are ciphertext, the metadata block comes last. */
const encrypted = (stringData: string, regex = REGEX) =>
  [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: app-credentials',
    '  namespace: app',
    'type: Opaque',
    'stringData:',
    stringData,
    'sops:',
    '  age:',
    '    - recipient: age1examplerecipient',
    '      enc: |',
    '        -----BEGIN AGE ENCRYPTED FILE-----',
    '        -----END AGE ENCRYPTED FILE-----',
    '  lastmodified: "2026-12-03T10:00:00Z"',
    '  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]',
    `  encrypted_regex: ${regex}`,
    '  version: 3.11.0',
    '',
  ].join('\n');

function documents(text: string, file = FILE) {
  const { manifest, sops } = splitSopsMetadata(text);
  return parseManifests(manifest, file).documents.map((d) => ({ ...d, ...(sops ? { sops } : {}) }));
}

describe('splitSopsMetadata', () => {
  it('cuts the trailing sops block, keeping every line above it, and reads its settings', () => {
    const text = encrypted(`  token: ${cipher}`);
    const { manifest, sops } = splitSopsMetadata(text);
    expect(manifest).toBe(`${text.slice(0, text.indexOf('sops:'))}`);
    expect(sops).toEqual({ encryptedRegex: REGEX, recipients: ['age1examplerecipient'] });
  });

  it('a plain manifest has no sops metadata', () => {
    expect(splitSopsMetadata('kind: Secret\n')).toEqual({ manifest: 'kind: Secret\n' });
  });
});

describe('checkAppSecrets', () => {
  it('an encrypted Secret of the declared shape passes', () => {
    expect(checkAppSecrets(documents(encrypted(`  token: ${cipher}`)), component, REGEX)).toEqual([]);
  });

  it('a plaintext value inside the encrypted file: file, line and field', () => {
    const findings = checkAppSecrets(documents(encrypted('  token: hunter2-in-clear')), component, REGEX);
    expect(findings).toEqual([
      expect.objectContaining({
        file: FILE,
        line: 8,
        field: 'Secret/app/app-credentials: stringData.token',
        rule: 'secret-plaintext',
      }),
    ]);
    expect(JSON.stringify(findings)).not.toContain('hunter2');
  });

  it('a *.enc.yaml file that sops never encrypted', () => {
    const plain = appSecretManifest(component.spec.secrets!['credentials.enc.yaml']!, { token: 'x' });
    expect(checkAppSecrets(documents(plain), component, REGEX)).toEqual([
      expect.objectContaining({ file: FILE, rule: 'secret-not-encrypted' }),
    ]);
  });

  it('encrypted with another encrypted_regex (Flux could not read kind and metadata)', () => {
    const text = encrypted(`  token: ${cipher}`, '^(data|stringData|metadata)$');
    expect(checkAppSecrets(documents(text), component, REGEX)).toEqual([
      expect.objectContaining({ file: FILE, field: 'sops.encrypted_regex', rule: 'secret-encrypted-regex' }),
    ]);
  });

  it('keys that differ from the declaration', () => {
    expect(checkAppSecrets(documents(encrypted(`  tokn: ${cipher}`)), component, REGEX)).toEqual([
      expect.objectContaining({
        field: 'Secret/app/app-credentials: stringData',
        rule: 'secret-keys',
        message: expect.stringContaining('missing token; undeclared tokn'),
      }),
    ]);
  });

  it('an encrypted file component.yaml does not declare', () => {
    const other = 'kubernetes/app/other.enc.yaml';
    expect(checkAppSecrets(documents(encrypted(`  token: ${cipher}`), other), component, REGEX)).toEqual([
      expect.objectContaining({
        file: 'kubernetes/app/component.yaml',
        field: 'secrets.other.enc.yaml',
        rule: 'secret-undeclared',
      }),
    ]);
  });

  it('a Secret with values in a plain manifest is plaintext in git', () => {
    const text =
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: app\nstringData:\n  a: b\n';
    expect(checkAppSecrets(documents(text, 'kubernetes/app/secret.yaml'), component, REGEX)).toEqual([
      expect.objectContaining({
        file: 'kubernetes/app/secret.yaml',
        line: 6,
        field: 'Secret/app/s: stringData',
        rule: 'secret-plaintext',
      }),
    ]);
  });
});
