import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withLocalBackend } from './scratch';

const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
const versions = (env: string) =>
  readFile(join(REPO_ROOT, 'terraform/environments', env, 'versions.tf'), 'utf8');

describe('withLocalBackend', () => {
  it("turns prod's pg backend into a local one and keeps the pins and the encryption", async () => {
    const prod = await versions('prod');
    const out = withLocalBackend(prod, 'terraform/environments/prod/versions.tf');
    expect(out).not.toMatch(/backend\s+"pg"/);
    expect(out.match(/backend\s+"[a-z0-9_]+"\s*\{[^}]*\}/g)).toEqual(['backend "local" {}']);
    expect(out.replace('backend "local" {}', '')).toBe(prod.replace('backend "pg" {}', ''));
    expect(out).toContain('source  = "bpg/proxmox"');
    expect(out).toMatch(/encryption \{/);
  });

  it('leaves the local environment as it is', async () => {
    const local = await versions('local');
    expect(withLocalBackend(local, 'versions.tf')).toBe(local);
  });

  it('replaces a backend with settings and nested blocks whole, braces in strings included', () => {
    const text = [
      'terraform {',
      '  backend "s3" {',
      '    bucket = "state-{x}"',
      '    endpoints {',
      '      s3 = "https://s3.example"',
      '    }',
      '    use_lockfile = true',
      '  }',
      '  required_version = ">= 1.8.0"',
      '}',
      '',
    ].join('\n');
    expect(withLocalBackend(text, 'versions.tf')).toBe(
      'terraform {\n  backend "local" {}\n  required_version = ">= 1.8.0"\n}\n',
    );
  });

  it('an unterminated backend block is IMPORT_ROOT_INCOMPLETE naming the file', () => {
    expect(() => withLocalBackend('terraform {\n  backend "pg" {\n', 'envs/x/versions.tf')).toThrow(
      expect.objectContaining({
        code: 'IMPORT_ROOT_INCOMPLETE',
        message: expect.stringContaining('envs/x/versions.tf'),
      }),
    );
  });
});
