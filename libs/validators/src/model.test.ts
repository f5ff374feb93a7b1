import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isCloudInitUserData } from './files';
import { dedupeFindings, type Finding, formatFinding, hasErrors, sortFindings } from './finding';
import { fromScratchPath, toRepoPath } from './paths';
import { formatReport } from './report';
import { generateEphemeralSshKey } from './ssh-key';
import { checkDocsSection, DOCS_BEGIN, DOCS_END, injectDocsSection } from './terraform-docs-section';
import { lineOfPath, splitDottedPath } from './yaml-locate';

const finding = (over: Partial<Finding>): Finding => ({
  file: 'a.tf',
  rule: 'r',
  severity: 'error',
  message: 'm',
  tool: 't',
  ...over,
});

describe('findings', () => {
  it('format as file:line:col  severity  rule  message  (tool), on one line', () => {
    expect(formatFinding(finding({ line: 3, column: 7, message: 'bad\n  thing' }))).toBe(
      'a.tf:3:7  error  r  bad thing  (t)',
    );
    expect(formatFinding(finding({ column: 7 }))).toBe('a.tf  error  r  m  (t)');
  });

  it('sort by file and position with errors first, and drop exact duplicates', () => {
    const list = [
      finding({ file: 'b', line: 1 }),
      finding({ file: 'a', line: 9, severity: 'warning' }),
      finding({ file: 'a', line: 9 }),
      finding({ file: 'a', line: 2 }),
      finding({ file: 'a', line: 2 }),
    ];
    const sorted = sortFindings(dedupeFindings(list));
    expect(sorted.map((f) => `${f.file}:${f.line}:${f.severity}`)).toEqual([
      'a:2:error',
      'a:9:error',
      'a:9:warning',
      'b:1:error',
    ]);
    expect(hasErrors([finding({ severity: 'warning' })])).toBe(false);
    expect(hasErrors(sorted)).toBe(true);
  });

  it('end the report with a verdict, counts and step timings', () => {
    const text = formatReport({
      kind: 'terraform',
      project: 'terraform/x',
      ok: false,
      findings: [finding({ line: 1 }), finding({ severity: 'warning' })],
      steps: [{ step: 'tofu fmt', durationMs: 1234, findings: 2 }],
    });
    expect(text.split('\n')).toEqual([
      'a.tf:1  error  r  m  (t)',
      'a.tf  warning  r  m  (t)',
      'terraform/x (terraform): FAILED, 1 error(s), 1 warning(s) [tofu fmt 1.2s]',
    ]);
  });
});

describe('paths', () => {
  it('are repo-relative with forward slashes, and scratch copies map back to the repo', () => {
    expect(toRepoPath('/r', '/r/terraform/m/main.tf')).toBe('terraform/m/main.tf');
    expect(toRepoPath('/r', 'packer/debian')).toBe('packer/debian');
    expect(fromScratchPath('main.tf', '/tmp/s/tree', '/r', '/tmp/s/tree/terraform/env')).toBe(
      'terraform/env/main.tf',
    );
    expect(
      fromScratchPath('../../modules/m/x.tf', '/tmp/s/tree', '/r', '/tmp/s/tree/terraform/env/local'),
    ).toBe('terraform/modules/m/x.tf');
  });

  it('recognise cloud-init user-data by folder and name', () => {
    expect(isCloudInitUserData('packer/debian/cloud-init/user-data.yaml')).toBe(true);
    expect(isCloudInitUserData('cloud-init/ubuntu/user-data')).toBe(true);
    expect(isCloudInitUserData('packer/debian/cloud-init/meta-data.yaml')).toBe(false);
    expect(isCloudInitUserData('packer/debian/user-data.yaml')).toBe(false);
  });
});

describe('YAML locations', () => {
  const text = '#cloud-config\nusers:\n  - name: a\n    shell: /bin/bash\npackages: x\n';
  it('give the line of a dotted schema path, or of its deepest existing parent', () => {
    expect(splitDottedPath('users.0.shell')).toEqual(['users', 0, 'shell']);
    expect(lineOfPath(text, ['packages'])).toBe(5);
    expect(lineOfPath(text, ['users', 0, 'shell'])).toBe(4);
    expect(lineOfPath(text, ['users', 0, 'missing'])).toBe(3);
    expect(lineOfPath('a: [', ['a'])).toBeUndefined();
  });
});

describe('terraform-docs README section', () => {
  const generated = '## Inputs\n\n| Name |\n|------|\n| a |\n';
  const readme = (body: string) => `# m\n\nintro\n\n${DOCS_BEGIN}\n${body}\n${DOCS_END}\n`;

  it('is up to date when only trailing whitespace differs', () => {
    expect(checkDocsSection(readme('## Inputs  \n\n| Name |\n|------|\n| a |'), generated)).toEqual({
      status: 'up-to-date',
    });
  });

  it('points at the first stale README line', () => {
    expect(checkDocsSection(readme('## Inputs\n\n| Name |\n|------|\n| b |'), generated)).toEqual({
      status: 'stale',
      line: 10,
      expected: '| a |',
      actual: '| b |',
    });
    expect(checkDocsSection(readme(''), generated)).toMatchObject({
      status: 'stale',
      line: 6,
      actual: '(nothing)',
    });
    expect(checkDocsSection('# m\n', generated)).toEqual({ status: 'missing-markers' });
  });

  it('injects the section between the markers, or appends it', () => {
    const fixed = injectDocsSection(readme('old'), generated);
    expect(fixed).toBe(readme('## Inputs\n\n| Name |\n|------|\n| a |'));
    expect(checkDocsSection(fixed, generated)).toEqual({ status: 'up-to-date' });
    expect(checkDocsSection(injectDocsSection('# m\n', generated), generated)).toEqual({
      status: 'up-to-date',
    });
  });
});

describe('ephemeral SSH keys', () => {
  it('are ed25519 pairs whose authorized_keys line matches the private key', () => {
    const { privateKeyPem, publicKey } = generateEphemeralSshKey('build');
    expect(privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const [type, blob, comment] = publicKey.split(' ');
    expect([type, comment]).toEqual(['ssh-ed25519', 'build']);
    const raw = createPublicKey(createPrivateKey(privateKeyPem)).export({ format: 'jwk' }).x;
    const wire = Buffer.from(blob!, 'base64');
    expect(wire.subarray(4, 15).toString()).toBe('ssh-ed25519');
    expect(wire.subarray(19).toString('base64url')).toBe(raw);
    expect(generateEphemeralSshKey().publicKey).not.toBe(publicKey);
  });
});
