import { describe, expect, it } from 'vitest';
import { localRoleName, playbookReferences, roleMetaDependencies, taskFileRoles } from './ansible';

describe('playbookReferences', () => {
  it('reads roles in every form and role includes at any depth', () => {
    const playbook = `
- name: one
  hosts: all
  roles:
    - baseline
    - role: docker
      vars: { x: 1 }
    - name: ../roles/monitoring
    - community.general.thing
  pre_tasks:
    - ansible.builtin.import_role:
        name: pre
  tasks:
    - name: block
      block:
        - include_role:
            name: nested
      rescue:
        - ansible.builtin.include_role:
            name: "{{ templated }}"
      always:
        - import_role: name=legacy
  handlers:
    - ansible.builtin.include_role: { name: handler_role }
- ansible.builtin.import_playbook: common.yml
- import_playbook: ./more/other.yml
`;
    const refs = playbookReferences(playbook);
    expect(refs.roles.sort()).toEqual([
      'baseline',
      'docker',
      'handler_role',
      'legacy',
      'monitoring',
      'nested',
      'pre',
    ]);
    expect(refs.playbooks).toEqual(['common.yml', './more/other.yml']);
  });

  it('yields nothing for invalid YAML or a non-list document', () => {
    expect(playbookReferences('- roles: [a\n  b: ][')).toEqual({ roles: [], playbooks: [] });
    expect(playbookReferences('roles: [a]')).toEqual({ roles: [], playbooks: [] });
  });
});

describe('role files', () => {
  it('reads meta dependencies as strings, {role} and {name}', () => {
    expect(roleMetaDependencies('dependencies:\n  - common\n  - role: users\n  - { name: ntp }\n')).toEqual([
      'common',
      'users',
      'ntp',
    ]);
    expect(roleMetaDependencies('galaxy_info: {}\n')).toEqual([]);
  });

  it('reads include_role/import_role in task files', () => {
    expect(
      taskFileRoles('- include_role:\n    name: a\n- block:\n    - import_role:\n        name: b\n'),
    ).toEqual(['a', 'b']);
  });
});

describe('localRoleName', () => {
  it('keeps local names, takes the last path segment, drops collection and templated roles', () => {
    expect(localRoleName('baseline')).toBe('baseline');
    expect(localRoleName(' ../roles/baseline/ ')).toBe('baseline');
    expect(localRoleName('geerlingguy.docker.role')).toBeUndefined();
    expect(localRoleName('{{ role }}')).toBeUndefined();
    expect(localRoleName('')).toBeUndefined();
  });
});
