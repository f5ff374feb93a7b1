import { afterEach, describe, expect, it } from 'vitest';
import { ansibleLint, ansibleRoleSyntaxCheck, ansibleSyntaxCheck } from './ansible';
import { type FixtureRepo, fixtureRepo, missingTools, realToolEnv, skipNote } from './testing/fixture-repo';
import { yamllint } from './yamllint';

const env = await realToolEnv();
const missing = await missingTools(env, ['ansible-playbook', 'ansible-lint']);
const missingYamllint = await missingTools(env, ['yamllint']);
const ROLE = 'ansible/roles/baseline';
const PLAYBOOK = 'ansible/playbooks/debian.yml';

let repo: FixtureRepo | undefined;
afterEach(async () => {
  await repo?.dispose();
  repo = undefined;
});

describe.skipIf(missing.length > 0)(
  `ansible validators with the real ansible-core and ansible-lint${skipNote(missing)}`,
  () => {
    it('passes the syntax check of the real role and playbook', async () => {
      repo = await fixtureRepo(['ansible']);
      const findings = [
        ...(await ansibleRoleSyntaxCheck(repo.context(ROLE, env))),
        ...(await ansibleSyntaxCheck(repo.context('ansible/playbooks', env), [repo.path(PLAYBOOK)])),
      ];
      expect(findings).toEqual([]);
    });

    // One ansible-lint run (it is the slow tool) proves both sides: the defect is reported with its rule, file
    // and line, and nothing else in the real role is (toEqual, not toContain).
    it('reports exactly the one production-profile violation introduced into the real role', async () => {
      repo = await fixtureRepo(['ansible']);
      const line = await repo.replace(`${ROLE}/tasks/packages.yml`, 'ansible.builtin.apt:', 'apt:');
      const role = repo.context(ROLE, env);
      expect(await ansibleLint(role, [role.projectRoot])).toEqual([
        expect.objectContaining({
          file: `${ROLE}/tasks/packages.yml`,
          line,
          rule: 'fqcn[action-core]',
          severity: 'error',
          tool: 'ansible-lint',
          message: expect.stringContaining('Use FQCN for builtin module actions (apt)'),
        }),
      ]);
    });

    it('reports a playbook syntax error with the file and position ansible-playbook gives', async () => {
      repo = await fixtureRepo(['ansible']);
      const line = await repo.replace(
        PLAYBOOK,
        '  gather_facts: true',
        '  gather_facts: true\n  become_sideways: true',
      );
      const findings = await ansibleSyntaxCheck(repo.context('ansible/playbooks', env), [
        repo.path(PLAYBOOK),
      ]);
      expect(findings).toEqual([
        expect.objectContaining({
          file: PLAYBOOK,
          line: line + 1,
          rule: 'syntax-check',
          tool: 'ansible-playbook',
          message: expect.stringContaining("'become_sideways' is not a valid attribute for a Play"),
        }),
      ]);
    });
  },
);

describe.skipIf(missingYamllint.length > 0)(
  `yamllint with the repo config${skipNote(missingYamllint)}`,
  () => {
    it('passes the real role and reports a truthy value the config forbids', async () => {
      repo = await fixtureRepo(['ansible']);
      const ctx = repo.context(ROLE, env);
      expect(await yamllint(ctx)).toEqual([]);
      const line = await repo.replace(
        `${ROLE}/defaults/main.yml`,
        'baseline_unattended_upgrades_reboot: false',
        'baseline_unattended_upgrades_reboot: no',
      );
      expect(await yamllint(ctx)).toEqual([
        expect.objectContaining({
          file: `${ROLE}/defaults/main.yml`,
          line,
          rule: 'truthy',
          severity: 'error',
          tool: 'yamllint',
          message: expect.stringContaining('truthy value should be one of [false, true]'),
        }),
      ]);
    });
  },
);
