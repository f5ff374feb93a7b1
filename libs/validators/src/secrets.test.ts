import { afterEach, describe, expect, it } from 'vitest';
import { secretsCheck } from './secrets';
import { type FixtureRepo, fixtureRepo, missingTools, realToolEnv, skipNote } from './testing/fixture-repo';

const env = await realToolEnv();
const missing = await missingTools(env, ['sops']);

let repo: FixtureRepo | undefined;
afterEach(async () => {
  await repo?.dispose();
  repo = undefined;
});

describe.skipIf(missing.length > 0)(
  `secrets validation through @infra/sops-secrets${skipNote(missing)}`,
  () => {
    it('passes the real secrets folder', async () => {
      repo = await fixtureRepo(['secrets', '.sops.yaml']);
      expect(await secretsCheck(repo.context('secrets', env))).toEqual([]);
    });

    it('reports a plaintext secrets file by name, without printing its value', async () => {
      repo = await fixtureRepo(['secrets', '.sops.yaml']);
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
