import { describe, expect, it } from 'vitest';
import {
  classifyProjectFile,
  classifyProjectRoot,
  groupProjectFiles,
  owningProject,
  PROJECT_FILES_GLOB,
} from './discovery';

describe('classifyProjectFile', () => {
  it.each([
    ['packer/debian/debian.pkr.hcl', 'packer', 'packer/debian', 'debian'],
    ['packer/talos/image.yaml', 'packer', 'packer/talos', 'talos'],
    [
      'terraform/modules/proxmox-vm/main.tf',
      'terraform-module',
      'terraform/modules/proxmox-vm',
      'tf-module-proxmox-vm',
    ],
    [
      'terraform/environments/prod/versions.tf',
      'terraform-environment',
      'terraform/environments/prod',
      'tf-env-prod',
    ],
    [
      'ansible/roles/baseline/tasks/main.yml',
      'ansible-role',
      'ansible/roles/baseline',
      'ansible-role-baseline',
    ],
    ['ansible/roles/users/meta/main.yaml', 'ansible-role', 'ansible/roles/users', 'ansible-role-users'],
    ['ansible/playbooks/debian.yml', 'ansible-playbooks', 'ansible/playbooks', 'ansible-playbooks'],
    ['talos/patches/nvidia.yaml', 'talos', 'talos', 'talos-config'],
    ['secrets/local.enc.yaml', 'secrets', 'secrets', 'secrets'],
    ['kubernetes/ollama/component.yaml', 'kubernetes', 'kubernetes/ollama', 'k8s-ollama'],
  ])('%s → %s project %s (%s)', (file, kind, root, name) => {
    expect(classifyProjectFile(file)).toEqual({ kind, root, name });
    expect(classifyProjectRoot(root)).toBe(kind);
  });

  it.each([
    'packer/debian/cloud-init/user-data',
    'packer/debian/vars.pkrvars.hcl',
    'packer/README.md',
    'terraform/modules/vm/examples/main.tf',
    'terraform/main.tf',
    'ansible/roles/baseline/tasks/ssh.yml',
    'ansible/playbooks/group_vars/all.yml',
    'ansible/ansible.cfg',
    'talos',
    'libs/core/package.json',
  ])('%s makes no project', (file) => {
    expect(classifyProjectFile(file)).toBeUndefined();
  });

  it('the createNodes glob lists each project-making pattern as a flat brace alternative', () => {
    expect(PROJECT_FILES_GLOB.startsWith('{') && PROJECT_FILES_GLOB.endsWith('}')).toBe(true);
    expect(PROJECT_FILES_GLOB.slice(1, -1)).not.toMatch(/[{}]/);
    expect(PROJECT_FILES_GLOB).toContain('packer/*/*.pkr.hcl');
  });
});

describe('groupProjectFiles', () => {
  it('groups files by project root, in a stable order', () => {
    const groups = groupProjectFiles([
      'packer/debian/variables.pkr.hcl',
      'secrets/b.yaml',
      'packer/debian/debian.pkr.hcl',
      'not/a/project.txt',
      'secrets/a.yaml',
    ]);
    expect(groups.map((g) => [g.project.name, g.files])).toEqual([
      ['debian', ['packer/debian/debian.pkr.hcl', 'packer/debian/variables.pkr.hcl']],
      ['secrets', ['secrets/a.yaml', 'secrets/b.yaml']],
    ]);
  });
});

describe('owningProject', () => {
  const projects = [{ root: 'ansible/roles/a' }, { root: 'ansible/roles/ab' }, { root: 'ansible' }];
  it('picks the deepest root that contains the path, never a name prefix', () => {
    expect(owningProject('ansible/roles/ab/tasks/main.yml', projects)).toEqual({ root: 'ansible/roles/ab' });
    expect(owningProject('ansible/roles/a', projects)).toEqual({ root: 'ansible/roles/a' });
    expect(owningProject('ansible/ansible.cfg', projects)).toEqual({ root: 'ansible' });
    expect(owningProject('packer/x', projects)).toBeUndefined();
  });
});
