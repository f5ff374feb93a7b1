// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are HCL interpolations, not JS templates
import { describe, expect, it } from 'vitest';
import { classifyProjectRoot, type IacProject } from './discovery';
import { analyzeProject } from './references';
import { memoryReader } from './test-utils/memory-reader';

const TREE: Record<string, string> = {
  'packer/debian/debian.pkr.hcl': [
    'locals { repo = abspath("${path.root}/../..") }',
    'build {',
    '  provisioner "shell-local" {',
    `    inline = ["ANSIBLE_CONFIG=\${local.repo}/ansible/ansible.cfg ansible-playbook '\${local.repo}/ansible/playbooks/debian.yml'"]`,
    '  }',
    '  provisioner "file" { source = "${path.root}/../../talos/patches" }',
    '  provisioner "file" { source = "${path.root}/../../files/motd" }',
    '  provisioner "file" { source = "${path.root}/cloud-init" }',
    '  provisioner "shell-local" { environment_vars = ["ROLES=${path.root}/../../ansible/roles"] }',
    '}',
  ].join('\n'),
  'packer/debian/cloud-init/user-data': '#cloud-config\n',
  'packer/talos/image.yaml': 'name: talos\nentrypoint: scripts/build-image.ts\nother: talos\n',
  'packer/arch/arch.pkr.hcl':
    'build {\n  provisioner "ansible" { playbook_file = "${path.root}/../../ansible/playbooks" }\n}\n',
  'scripts/build-image.ts': '',
  'files/motd': 'hello',
  'ansible/ansible.cfg': '[defaults]\n',
  'ansible/playbooks/debian.yml': '- import_playbook: common.yml\n- hosts: all\n  roles: [baseline]\n',
  'ansible/playbooks/common.yml': '- hosts: all\n  roles: [{ role: common }, missing]\n',
  'ansible/playbooks/other.yml': '- hosts: all\n  roles: [docker]\n',
  'ansible/roles/baseline/tasks/main.yml': '- include_role:\n    name: docker\n',
  'ansible/roles/baseline/meta/main.yml': 'dependencies: [common, baseline]\n',
  'ansible/roles/baseline/templates/x.yml': '- include_role:\n    name: not-a-task-file\n',
  'ansible/roles/common/tasks/main.yml': '- ping:\n',
  'ansible/roles/docker/tasks/main.yml': '- ping:\n',
  'ansible/roles/not-a-task-file/tasks/main.yml': '- ping:\n',
  'terraform/modules/vm/main.tf': 'resource "x" "y" { content = file("${path.module}/files/a.txt") }\n',
  'terraform/modules/vm/files/a.txt': 'a',
  'terraform/environments/local/main.tf': [
    'module "vm" { source = "../../modules/vm" }',
    'module "remote" { source = "bpg/vm/proxmox" }',
    'locals { patch = file("${path.module}/../../../talos/patches/x.yaml") }',
  ].join('\n'),
  'talos/patches/x.yaml': 'machine: {}\n',
  'secrets/a.enc.yaml': 'sops: {}\n',
};
const reader = memoryReader(TREE);
const ROOTS = [
  'packer/debian',
  'packer/talos',
  'packer/arch',
  'ansible/playbooks',
  'ansible/roles/baseline',
  'ansible/roles/common',
  'ansible/roles/docker',
  'ansible/roles/not-a-task-file',
  'terraform/modules/vm',
  'terraform/environments/local',
  'talos',
  'secrets',
];
const PROJECTS: IacProject[] = ROOTS.map((root) => ({ kind: classifyProjectRoot(root)!, root, name: root }));
const analyze = (root: string) => {
  const project = PROJECTS.find((p) => p.root === root)!;
  const files = Object.keys(TREE).filter((f) => f.startsWith(`${root}/`));
  return analyzeProject(project, files, PROJECTS, reader);
};

describe('analyzeProject', () => {
  it('an image depends on the roles its playbook (and imported playbooks) run, and reads those playbooks', () => {
    const debian = analyze('packer/debian');
    expect(debian.dependsOn).toEqual([
      { targetRoot: 'ansible/roles/baseline', sourceFile: 'packer/debian/debian.pkr.hcl' },
      { targetRoot: 'ansible/roles/common', sourceFile: 'packer/debian/debian.pkr.hcl' },
      { targetRoot: 'talos', sourceFile: 'packer/debian/debian.pkr.hcl' },
    ]);
    // Not ansible-playbooks (that would reach every image), not its own cloud-init, not the roles folder.
    expect(debian.fileInputs).toEqual([
      { path: 'ansible/ansible.cfg', kind: 'file' },
      { path: 'ansible/playbooks/common.yml', kind: 'file' },
      { path: 'ansible/playbooks/debian.yml', kind: 'file' },
      { path: 'files/motd', kind: 'file' },
    ]);
  });

  it('a playbook folder reference runs every playbook in it', () => {
    const arch = analyze('packer/arch');
    expect(arch.dependsOn.map((e) => e.targetRoot)).toEqual([
      'ansible/roles/baseline',
      'ansible/roles/common',
      'ansible/roles/docker',
    ]);
    expect(arch.fileInputs.map((i) => i.path)).toEqual([
      'ansible/playbooks',
      'ansible/playbooks/common.yml',
      'ansible/playbooks/debian.yml',
      'ansible/playbooks/other.yml',
    ]);
  });

  it('the talos image depends on talos-config by rule; its image.yaml paths are file inputs, bare words are not', () => {
    expect(analyze('packer/talos')).toEqual({
      dependsOn: [{ targetRoot: 'talos', sourceFile: undefined }],
      fileInputs: [{ path: 'scripts/build-image.ts', kind: 'file' }],
    });
  });

  it('roles depend on meta dependencies and included roles, from task files only, never on themselves', () => {
    expect(analyze('ansible/roles/baseline').dependsOn).toEqual([
      { targetRoot: 'ansible/roles/common', sourceFile: 'ansible/roles/baseline/meta/main.yml' },
      { targetRoot: 'ansible/roles/docker', sourceFile: 'ansible/roles/baseline/tasks/main.yml' },
    ]);
  });

  it('the playbooks project depends on every local role a playbook runs', () => {
    expect(analyze('ansible/playbooks').dependsOn.map((e) => [e.targetRoot, e.sourceFile])).toEqual([
      ['ansible/roles/baseline', 'ansible/playbooks/debian.yml'],
      ['ansible/roles/common', 'ansible/playbooks/common.yml'],
      ['ansible/roles/docker', 'ansible/playbooks/other.yml'],
    ]);
  });

  it('terraform: local module sources and path.module files become edges; own files and registry sources do not', () => {
    expect(analyze('terraform/environments/local')).toEqual({
      dependsOn: [
        { targetRoot: 'talos', sourceFile: 'terraform/environments/local/main.tf' },
        { targetRoot: 'terraform/modules/vm', sourceFile: 'terraform/environments/local/main.tf' },
      ],
      fileInputs: [],
    });
    expect(analyze('terraform/modules/vm')).toEqual({ dependsOn: [], fileInputs: [] });
  });

  it('talos config and secrets refer to nothing', () => {
    expect(analyze('talos')).toEqual({ dependsOn: [], fileInputs: [] });
    expect(analyze('secrets')).toEqual({ dependsOn: [], fileInputs: [] });
  });
});

describe('linked files', () => {
  it("an environment's variables.tf linked to another environment's: that project is a dependency", () => {
    const tree = {
      'terraform/environments/local/variables.tf': 'variable "a" {}\n',
      'terraform/environments/prod/main.tf': '',
      'files/shared.tf': '',
    };
    const links = {
      'terraform/environments/prod/variables.tf': 'terraform/environments/local/variables.tf',
      'terraform/environments/prod/extra.tf': 'files/shared.tf',
      'terraform/environments/prod/dangling.tf': 'files/gone.tf',
    };
    const projects: IacProject[] = ['terraform/environments/local', 'terraform/environments/prod'].map(
      (root) => ({ kind: 'terraform-environment', root, name: root }),
    );
    const prod = projects[1]!;
    const linked = memoryReader(tree, links);
    // Nx may or may not list the link among the project's files: the edge names it only when it does.
    const listed = analyzeProject(
      prod,
      ['terraform/environments/prod/main.tf', 'terraform/environments/prod/variables.tf'],
      projects,
      linked,
    );
    expect(listed.dependsOn).toEqual([
      { targetRoot: 'terraform/environments/local', sourceFile: 'terraform/environments/prod/variables.tf' },
    ]);
    expect(listed.fileInputs).toEqual([{ path: 'files/shared.tf', kind: 'file' }]);
    const unlisted = analyzeProject(prod, ['terraform/environments/prod/main.tf'], projects, linked);
    expect(unlisted.dependsOn).toEqual([
      { targetRoot: 'terraform/environments/local', sourceFile: undefined },
    ]);
  });
});
