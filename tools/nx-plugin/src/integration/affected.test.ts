import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureRepo, type FixtureRepo } from '../test-utils/fixture-repo';

/**
 * The exact affected set for a change to each kind of file, in a throw-away repo, one commit per case.
 *
 * Two Nx modes, both asserted:
 * - project mode (the default): `nx show projects --affected`. A changed file marks the project that owns it
 *   (whatever its inputs say) and every project with a `{workspaceRoot}` input matching it (negations are
 *   not applied), then all their dependents.
 * - task mode (`NX_LEGACY_AFFECTED=false`, what `nx affected -t validate` uses in this repo):
 *   `nx show projects --affected -t validate` selects the validate tasks whose inputs the change reaches,
 *   so a README anywhere, or a validator test file, marks nothing but `secrets`.
 *
 * And `nx show projects --affected -t molecule` for the roles' Molecule targets (task mode): only the roles
 * whose scenario inputs a change reaches, never images or playbooks.
 *
 * `secrets` is in every project/task set: its validate runs the leak scan over every file of the repository, so
 * every file is its input (a token pasted into a README or a .tfvars file must fail the hook).
 */
const IMAGES = ['arch', 'debian', 'nixos', 'talos', 'ubuntu'];
const K8S = ['k8s-flux', 'k8s-nvidia-device-plugin', 'k8s-ollama'];
const IAC = [
  ...IMAGES,
  'ansible-playbooks',
  'ansible-role-baseline',
  'ansible-role-common',
  'ansible-role-docker',
  'k8s-flux',
  'k8s-nvidia-device-plugin',
  'k8s-ollama',
  'secrets',
  'talos-config',
  'tf-env-local',
  'tf-module-unused',
  'tf-module-vm',
];

interface Case {
  kind: string;
  files: string[];
  project: string[];
  task: string[];
  /** Expected `-t molecule` selection, where the case checks it. */
  molecule?: string[];
}

const CASES: Case[] = [
  {
    kind: 'packer template',
    files: ['packer/debian/debian.pkr.hcl'],
    project: ['debian', 'secrets'],
    task: ['debian', 'secrets'],
  },
  {
    kind: "an ISO image's shared source block (rendered from packer/_shared into its folder)",
    files: ['packer/nixos/source.pkr.hcl'],
    project: ['nixos', 'secrets'],
    task: ['nixos', 'secrets'],
  },
  {
    kind: "an ISO image's own file (Nix configuration)",
    files: ['packer/nixos/nix/configuration.nix'],
    project: ['nixos', 'secrets'],
    task: ['nixos', 'secrets'],
  },
  {
    // Packer reads only packer/<os>/: a template change reaches an image through the files it renders there.
    kind: 'a shared Packer template (packer/_shared), before it is rendered',
    files: ['packer/_shared/iso-source.pkr.hcl.tmpl'],
    project: ['secrets'],
    task: ['secrets'],
  },
  {
    kind: 'cloud-init user-data',
    files: ['packer/debian/cloud-init/user-data'],
    project: ['debian', 'secrets'],
    task: ['debian', 'secrets'],
  },
  {
    kind: 'role run by one image through a playbook',
    files: ['ansible/roles/baseline/tasks/main.yml'],
    project: ['ansible-playbooks', 'ansible-role-baseline', 'debian', 'secrets'],
    task: ['ansible-playbooks', 'ansible-role-baseline', 'debian', 'secrets'],
    molecule: ['ansible-role-baseline'],
  },
  {
    kind: 'shared role: a meta dependency of baseline (debian) and run directly by arch; not the ISO image',
    files: ['ansible/roles/common/tasks/main.yml'],
    project: [
      'ansible-playbooks',
      'ansible-role-baseline',
      'ansible-role-common',
      'arch',
      'debian',
      'secrets',
    ],
    task: ['ansible-playbooks', 'ansible-role-baseline', 'ansible-role-common', 'arch', 'debian', 'secrets'],
    molecule: ['ansible-role-baseline', 'ansible-role-common'],
  },
  {
    kind: "a role's Molecule scenario",
    files: ['ansible/roles/common/molecule/default/converge.yml'],
    project: [
      'ansible-playbooks',
      'ansible-role-baseline',
      'ansible-role-common',
      'arch',
      'debian',
      'secrets',
    ],
    task: ['ansible-playbooks', 'ansible-role-baseline', 'ansible-role-common', 'arch', 'debian', 'secrets'],
    molecule: ['ansible-role-baseline', 'ansible-role-common'],
  },
  {
    kind: 'role run through include_role',
    files: ['ansible/roles/docker/tasks/main.yml'],
    project: ['ansible-playbooks', 'ansible-role-docker', 'ubuntu', 'secrets'],
    task: ['ansible-playbooks', 'ansible-role-docker', 'ubuntu', 'secrets'],
    molecule: [],
  },
  {
    kind: 'playbook',
    files: ['ansible/playbooks/debian.yml'],
    project: ['ansible-playbooks', 'debian', 'secrets'],
    task: ['ansible-playbooks', 'debian', 'secrets'],
    molecule: [],
  },
  {
    kind: 'terraform module',
    files: ['terraform/modules/vm/main.tf'],
    project: ['tf-env-local', 'tf-module-vm', 'secrets'],
    task: ['tf-env-local', 'tf-module-vm', 'secrets'],
  },
  {
    kind: 'terraform environment',
    files: ['terraform/environments/local/main.tf'],
    project: ['tf-env-local', 'secrets'],
    task: ['tf-env-local', 'secrets'],
  },
  {
    kind: 'talos patch',
    files: ['talos/patches/qemu-guest-agent.yaml'],
    project: ['talos', 'talos-config', 'secrets'],
    task: ['talos', 'talos-config', 'secrets'],
  },
  { kind: 'secret', files: ['secrets/local.enc.yaml'], project: ['secrets'], task: ['secrets'] },
  {
    // The machine config carries the cluster-critical set as inlineManifests (folder inputs, no edge): in task
    // mode nothing else; project mode adds the image that depends on talos-config.
    kind: 'device plugin values',
    files: ['kubernetes/nvidia-device-plugin/values.yaml'],
    project: ['k8s-nvidia-device-plugin', 'talos', 'talos-config', 'secrets'],
    task: ['k8s-nvidia-device-plugin', 'talos-config', 'secrets'],
  },
  {
    kind: 'device plugin README',
    files: ['kubernetes/nvidia-device-plugin/README.md'],
    project: ['k8s-nvidia-device-plugin', 'talos', 'talos-config', 'secrets'],
    task: ['secrets'],
  },
  {
    kind: 'app delivered by Flux',
    files: ['kubernetes/ollama/service.yaml'],
    project: ['k8s-flux', 'k8s-ollama', 'secrets'],
    task: ['k8s-flux', 'k8s-ollama', 'secrets'],
  },
  {
    kind: 'Flux Kustomizations',
    files: ['kubernetes/flux/apps.yaml'],
    project: ['k8s-flux', 'secrets'],
    task: ['k8s-flux', 'secrets'],
  },
  {
    kind: 'GPU node label and taint',
    files: ['talos/patches/nvidia-gpu-node.yaml'],
    project: ['k8s-flux', 'k8s-nvidia-device-plugin', 'k8s-ollama', 'talos', 'talos-config', 'secrets'],
    task: ['k8s-flux', 'k8s-nvidia-device-plugin', 'k8s-ollama', 'talos', 'talos-config', 'secrets'],
  },
  {
    kind: 'kubernetes README outside components',
    files: ['kubernetes/README.md'],
    project: ['secrets'],
    task: ['secrets'],
  },
  {
    kind: 'README and docs outside projects',
    files: ['README.md', 'docs/architecture.md'],
    project: ['secrets'],
    task: ['secrets'],
  },
  {
    kind: 'README inside an image and a role',
    files: ['packer/debian/README.md', 'ansible/roles/baseline/README.md'],
    project: ['ansible-playbooks', 'ansible-role-baseline', 'debian', 'secrets'],
    task: ['secrets'],
  },
  {
    kind: 'terraform module README (checked by terraform-docs)',
    files: ['terraform/modules/vm/README.md'],
    project: ['tf-env-local', 'tf-module-vm', 'secrets'],
    task: ['tf-module-vm', 'secrets'],
  },
  {
    kind: 'environment config',
    files: ['infra.config.yaml'],
    project: [...IMAGES, ...K8S, 'talos-config', 'tf-env-local', 'secrets'],
    task: [...IMAGES, ...K8S, 'talos-config', 'tf-env-local', 'secrets'],
  },
  {
    kind: 'tool versions (mise.toml)',
    files: ['mise.toml'],
    project: IAC,
    task: IAC,
    molecule: ['ansible-role-baseline', 'ansible-role-common'],
  },
  {
    kind: 'tflint config',
    files: ['.tflint.hcl'],
    project: ['tf-env-local', 'tf-module-unused', 'tf-module-vm', 'secrets'],
    task: ['tf-env-local', 'tf-module-unused', 'tf-module-vm', 'secrets'],
  },
  { kind: 'validator script helper', files: ['scripts/lib/report.ts'], project: IAC, task: IAC },
  {
    kind: 'validator library',
    files: ['libs/validators/src/index.ts'],
    project: [...IAC, '@infra/validators'],
    task: IAC,
  },
  {
    kind: 'library the validator library depends on',
    files: ['libs/core/src/index.ts'],
    project: [...IAC, '@infra/core', '@infra/validators'],
    task: IAC,
  },
  {
    kind: 'validator library test file',
    files: ['libs/validators/src/index.test.ts'],
    project: [...IAC, '@infra/validators'],
    task: ['secrets'],
  },
  {
    kind: 'library the validators do not use',
    files: ['libs/other/src/index.ts'],
    project: ['@infra/other', 'secrets'],
    task: ['secrets'],
  },
];

let repo: FixtureRepo;

beforeAll(() => {
  repo = createFixtureRepo({
    pluginOptions: {
      validateCommand: 'echo validate',
      buildImageCommand: 'echo build',
      moleculeCommand: 'echo molecule',
    },
  });
});

afterAll(() => repo?.cleanup());

describe('nx affected over the inferred IaC projects', () => {
  it.each(CASES)('$kind', async ({ files, project, task, molecule }) => {
    for (const file of files) repo.touch(file);
    repo.commit(files.join(' '));
    const [projectMode, taskMode] = await Promise.all([
      repo.nxAsync(['show', 'projects', '--affected', '--base=HEAD~1', '--json'], {
        NX_LEGACY_AFFECTED: 'true',
        NX_WORKSPACE_DATA_DIRECTORY: '.nx/workspace-data-project-mode',
      }),
      repo.nxAsync(['show', 'projects', '--affected', '-t', 'validate', '--base=HEAD~1', '--json'], {
        NX_LEGACY_AFFECTED: 'false',
        NX_WORKSPACE_DATA_DIRECTORY: '.nx/workspace-data-task-mode',
      }),
    ]);
    expect(projectMode.status, projectMode.stderr).toBe(0);
    expect(taskMode.status, taskMode.stderr).toBe(0);
    expect(_projects(projectMode.stdout), 'project mode').toEqual([...project].sort());
    expect(_projects(taskMode.stdout), 'task mode (-t validate)').toEqual([...task].sort());
    if (molecule) {
      const moleculeMode = await repo.nxAsync(
        ['show', 'projects', '--affected', '-t', 'molecule', '--base=HEAD~1', '--json'],
        { NX_LEGACY_AFFECTED: 'false', NX_WORKSPACE_DATA_DIRECTORY: '.nx/workspace-data-task-mode' },
      );
      expect(moleculeMode.status, moleculeMode.stderr).toBe(0);
      expect(_projects(moleculeMode.stdout), 'task mode (-t molecule)').toEqual([...molecule].sort());
    }
  });
});

function _projects(stdout: string): string[] {
  const json = stdout.slice(stdout.indexOf('['));
  return (JSON.parse(json) as string[]).sort();
}
