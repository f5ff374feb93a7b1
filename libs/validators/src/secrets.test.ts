import { loadEnvironment } from '@infra/config';
import { clearSecretsForTests } from '@infra/core';
import { loadSecrets } from '@infra/sops-secrets';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { secretsCheck } from './secrets';
import { type FixtureRepo, fixtureRepo, missingTools, realToolEnv, skipNote } from './testing/fixture-repo';

const env = await realToolEnv();
const missing = await missingTools(env, ['sops']);

let repo: FixtureRepo | undefined;
afterEach(async () => {
  clearSecretsForTests();
  await repo?.dispose();
  repo = undefined;
});

/** A fixture that is a git work tree with every file tracked, as the leak scan lists them. */
async function gitFixture(): Promise<FixtureRepo> {
  const fixture = await fixtureRepo(['secrets', '.sops.yaml', '.gitignore']);
  await execa('git', ['init', '-q'], { cwd: fixture.root });
  await execa('git', ['add', '-A'], { cwd: fixture.root });
  return fixture;
}

describe.skipIf(missing.length > 0)(
  `secrets validation through @infra/sops-secrets${skipNote(missing)}`,
  () => {
    it('passes the real secrets folder', async () => {
      repo = await gitFixture();
      expect(await secretsCheck(repo.context('secrets', env))).toEqual([]);
    });

    it('runs the leak scan over every tracked file: a token in a .tfvars file fails', async () => {
      repo = await gitFixture();
      // The local demo as a clone generates it on first use; its token is what gets pasted by mistake.
      const local = await loadEnvironment('local', { cwd: repo.root });
      const secrets = await loadSecrets(local, { env: env as NodeJS.ProcessEnv });
      expect(await secretsCheck(repo.context('secrets', env))).toEqual([]);
      await repo.write(
        'terraform/environments/local/leak.auto.tfvars',
        `node = "pve"\nproxmox_api_token = "root@pam!infra=${secrets.proxmox.tokenSecret}"\n`,
      );
      await execa('git', ['add', '-A'], { cwd: repo.root });
      const findings = await secretsCheck(repo.context('secrets', env));
      expect(findings).toEqual([
        {
          file: 'terraform/environments/local/leak.auto.tfvars',
          line: 2,
          rule: 'leaked-value',
          severity: 'error',
          tool: 'sops',
          message:
            'the value of .infra/demo/local.enc.yaml:proxmox.tokenSecret appears here in plaintext (raw form)',
        },
      ]);
      expect(JSON.stringify(findings)).not.toContain(secrets.proxmox.tokenSecret);
    });

    it('says so instead of passing when the leak scan cannot list the files (not a git work tree)', async () => {
      repo = await fixtureRepo(['secrets', '.sops.yaml']);
      expect(await secretsCheck(repo.context('secrets', env))).toEqual([
        expect.objectContaining({
          rule: 'leaked-value',
          message: expect.stringContaining('is not a git work tree'),
        }),
      ]);
    });

    it('reports a plaintext secrets file by name, without printing its value', async () => {
      repo = await gitFixture();
      await repo.write(
        'secrets/extra.enc.yaml',
        'proxmox:\n  tokenSecret: 0b1c2d3e-aaaa-bbbb-cccc-444455556666\n',
      );
      const findings = await secretsCheck(repo.context('secrets', env));
      expect(findings.length).toBeGreaterThan(0);
      expect(findings).toContainEqual(
        expect.objectContaining({
          file: 'secrets/extra.enc.yaml',
          rule: 'not-encrypted',
          severity: 'error',
          tool: 'sops',
          message: expect.stringContaining('secrets/extra.enc.yaml is not encrypted'),
        }),
      );
      expect(JSON.stringify(findings)).not.toContain('0b1c2d3e-aaaa');
    });
  },
);
