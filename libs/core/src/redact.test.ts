import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { clearSecretsForTests, redact, registerSecret } from './redact';

afterEach(() => clearSecretsForTests());

describe('redact', () => {
  it('masks registered secrets and their URL-encoded form', () => {
    registerSecret('s3cr3t/pa ss');
    expect(redact('password=s3cr3t/pa ss and body=s3cr3t%2Fpa%20ss')).toBe('password=*** and body=***');
  });

  it('keeps the Proxmox token id but masks the token secret even when not registered', () => {
    const header = 'Authorization: PVEAPIToken=infra@pve!build=0b1c2d3e-1111-2222-3333-444455556666';
    expect(redact(header)).not.toContain('0b1c2d3e');
    expect(redact('PVEAPIToken=infra@pve!build=abcd-ef')).toBe('PVEAPIToken=infra@pve!build=***');
  });

  it('masks age identities and PEM private keys', () => {
    // Built at run time so that no key-shaped literal sits in git.
    const identity = ['AGE', 'SECRET', 'KEY', `1${'QXRV7'.repeat(11)}`].join('-');
    expect(redact(`key ${identity} end`)).toBe('key *** end');
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----';
    expect(redact(`x ${pem} y`)).toBe('x *** y');
  });

  it('ignores values too short to be secrets', () => {
    registerSecret('ab');
    expect(redact('ab cd')).toBe('ab cd');
  });

  it('masks the longer of two overlapping secrets whole', () => {
    registerSecret('abcd');
    registerSecret('abcdefgh');
    expect(redact('abcdefgh')).toBe('***');
  });
});

describe('redact: multi-line secrets, redacted line by line', () => {
  // Output reaches the redactor one line at a time (a child's stdout, the logger), so the whole secret never
  // matches; each of its lines must.
  const lineByLine = (text: string) => text.split('\n').map(redact).join('\n');

  /** Every 12-character run of the secret's base64 material, to prove no fragment survives. */
  const fragments = (base64: string) =>
    Array.from({ length: Math.max(0, base64.length - 11) }, (_, i) => base64.slice(i, i + 12));

  it('masks every line of a real PEM private key but keeps the armour', () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    registerSecret(privateKey);
    const printed = lineByLine(`ssh said:\n${privateKey}\ndone`);
    const body = privateKey.split('\n').filter((l) => l && !l.startsWith('-----'));
    expect(body.length).toBeGreaterThan(20);
    for (const line of body) expect(printed).not.toContain(line);
    for (const fragment of fragments(body.join(''))) expect(printed).not.toContain(fragment);
    expect(printed).toContain('-----END PRIVATE KEY-----');
    expect(printed.startsWith('ssh said:\n')).toBe(true);
  });

  it('masks a kubeconfig printed line by line and in --json output', () => {
    const { privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'sec1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const keyData = Buffer.from(privateKey).toString('base64');
    const caData = randomBytes(600).toString('base64');
    const token = randomBytes(24).toString('hex');
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: homelab',
      '    cluster:',
      '      server: https://10.0.0.10:6443',
      `      certificate-authority-data: ${caData}`,
      'users:',
      '  - name: admin@homelab',
      '    user:',
      `      client-key-data: ${keyData}`,
      `      token: "${token}"`,
      '',
    ].join('\n');
    registerSecret(kubeconfig);

    const printed = lineByLine(kubeconfig);
    for (const secret of [keyData, caData, token]) expect(printed).not.toContain(secret);
    expect(printed).toContain('clusters:'); // structure-only lines carry nothing secret and stay readable
    expect(redact('waiting for https://10.0.0.10:6443')).toBe('waiting for https://10.0.0.10:6443');

    // `--json`: the kubeconfig is one JSON string with \n and \" escapes, printed as one line.
    const json = JSON.stringify({ kubeconfig, user: { token } }, null, 2);
    const jsonPrinted = lineByLine(json);
    for (const secret of [keyData, caData, token]) expect(jsonPrinted).not.toContain(secret);
    expect(jsonPrinted).toBe(JSON.stringify({ kubeconfig: '***', user: { token: '***' } }, null, 2));
  });

  it('masks the JSON-escaped form of a single-line secret with quotes and backslashes', () => {
    registerSecret('pa"ss\\word');
    expect(redact(JSON.stringify({ password: 'pa"ss\\word' }))).toBe('{"password":"***"}');
  });
});
