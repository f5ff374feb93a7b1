import { afterEach, describe, expect, it } from 'vitest';
import { checkov } from './checkov';
import { type FixtureRepo, fixtureRepo, missingTools, realToolEnv, skipNote } from './testing/fixture-repo';

const env = await realToolEnv();
const missing = await missingTools(env, ['checkov']);

let repo: FixtureRepo | undefined;
afterEach(async () => {
  await repo?.dispose();
  repo = undefined;
});

describe.skipIf(missing.length > 0)(`checkov with the repo config${skipNote(missing)}`, () => {
  it('reports a failed check in the defective file only (the real role beside it passes)', async () => {
    repo = await fixtureRepo(['ansible']);
    const defect = 'ansible/roles/baseline/tasks/fetch.yml';
    await repo.write(
      defect,
      [
        '---',
        '- name: Fetch a key without checking the certificate',
        '  ansible.builtin.get_url:',
        '    url: https://example.com/key.asc',
        '    dest: /etc/apt/keyrings/example.asc',
        '    mode: "0644"',
        '    validate_certs: false',
        '',
      ].join('\n'),
    );
    const findings = await checkov(repo.context('ansible/roles/baseline', env), ['ansible']);
    expect(findings).toEqual([
      expect.objectContaining({
        file: defect,
        line: 2,
        rule: 'CKV_ANSIBLE_2',
        severity: 'error',
        tool: 'checkov',
        message: expect.stringContaining("Ensure that certificate validation isn't disabled with get_url"),
      }),
    ]);
  });
});
