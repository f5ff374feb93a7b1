import { describe, expect, it } from 'vitest';
import { classifyProjectRoot, type IacProject } from './discovery';
import { parsePluginOptions } from './options';
import { buildTargets, CONFIG_DEPENDENT_KINDS, type TargetContext, validateInputs } from './targets';

const context: TargetContext = {
  options: parsePluginOptions({}),
  environments: ['dev', 'local', 'prod'],
  validator: { inputs: ['{workspaceRoot}/scripts/validate.ts'], externalDependencies: ['tsx', 'zod'] },
  builder: {
    inputs: ['{workspaceRoot}/scripts/build-image.ts', '{workspaceRoot}/scripts/validate.ts'],
    externalDependencies: ['execa', 'tsx'],
  },
  molecule: { inputs: ['{workspaceRoot}/scripts/molecule.ts'], externalDependencies: ['execa'] },
};
const project = (root: string, name = root.split('/').at(-1)!): IacProject => ({
  kind: classifyProjectRoot(root)!,
  root,
  name,
});
const noRefs = { dependsOn: [], fileInputs: [] };

describe('validateInputs', () => {
  it('hashes own and dependency files without Markdown, referenced files, config, tools and validator code', () => {
    const inputs = validateInputs(
      project('packer/debian'),
      {
        dependsOn: [],
        fileInputs: [
          { path: 'ansible/playbooks/debian.yml', kind: 'file' },
          { path: 'files', kind: 'dir' },
        ],
      },
      context,
    );
    expect(inputs).toEqual([
      'iacFiles',
      '^iacFiles',
      '{workspaceRoot}/ansible/playbooks/debian.yml',
      '{workspaceRoot}/files/**/*',
      '{workspaceRoot}/infra.config.yaml',
      '{workspaceRoot}/mise.toml',
      '{workspaceRoot}/.yamllint*',
      '{workspaceRoot}/scripts/validate.ts',
      { externalDependencies: ['tsx', 'zod'] },
    ]);
  });

  it('keeps a terraform module README (terraform-docs checks it) but not its dependents', () => {
    const own = validateInputs(project('terraform/modules/vm'), noRefs, context);
    expect(own.slice(0, 2)).toEqual(['{projectRoot}/**/*', '^iacFiles']);
  });

  it('makes the config file an input exactly of images, terraform environments, the talos config and k8s components', () => {
    const roots = [
      'packer/debian',
      'terraform/modules/vm',
      'terraform/environments/local',
      'ansible/roles/baseline',
      'ansible/playbooks',
      'talos',
      'secrets',
      'kubernetes/ollama',
    ];
    const withConfig = roots.filter((root) =>
      validateInputs(project(root), noRefs, context).includes('{workspaceRoot}/infra.config.yaml'),
    );
    expect(withConfig).toEqual([
      'packer/debian',
      'terraform/environments/local',
      'talos',
      'kubernetes/ollama',
    ]);
    expect([...CONFIG_DEPENDENT_KINDS].sort()).toEqual([
      'kubernetes',
      'packer',
      'talos',
      'terraform-environment',
    ]);
  });
});

describe('buildTargets', () => {
  it('gives every kind a cached validate with no outputs, calling the validator with kind and root', () => {
    const targets = buildTargets(project('ansible/roles/baseline', 'ansible-role-baseline'), noRefs, context);
    expect(Object.keys(targets)).toEqual(['validate']);
    expect(targets.validate).toMatchObject({
      command: 'tsx scripts/validate.ts ansible-role ansible/roles/baseline',
      cache: true,
      outputs: [],
    });
  });

  it('gives Terraform environments never-cached plan, apply and destroy for that environment', () => {
    const targets = buildTargets(project('terraform/environments/prod', 'tf-env-prod'), noRefs, context);
    for (const action of ['plan', 'apply', 'destroy']) {
      expect(targets[action]).toEqual({
        command: `tsx scripts/deploy.ts ${action} -e prod`,
        cache: false,
        parallelism: false,
        dependsOn: ['validate'],
        metadata: { description: expect.stringContaining('environment prod (terraform/environments/prod)') },
      });
    }
    expect(Object.keys(buildTargets(project('terraform/modules/proxmox-vm'), noRefs, context))).toEqual([
      'validate',
    ]);
  });

  it('gives images an uncached, serial build-image after validate, one configuration per environment', () => {
    const targets = buildTargets(project('packer/debian'), noRefs, context);
    expect(targets['build-image']).toMatchObject({
      command: 'tsx scripts/build-image.ts --os debian',
      cache: false,
      parallelism: false,
      dependsOn: ['validate'],
      defaultConfiguration: 'local',
      configurations: { dev: { args: '-e dev' }, local: { args: '-e local' }, prod: { args: '-e prod' } },
    });
    // validate's inputs plus the builder's code and packages.
    const validateFiles = targets.validate!.inputs!.filter((i) => typeof i === 'string');
    expect(targets['build-image']!.inputs).toEqual([
      ...validateFiles,
      '{workspaceRoot}/scripts/build-image.ts',
      { externalDependencies: ['execa', 'tsx', 'zod'] },
    ]);
  });
});

describe('molecule target', () => {
  it('gives a role with a scenario a cached, serial molecule target over its own, dependency and shared inputs', () => {
    const role = project('ansible/roles/baseline', 'ansible-role-baseline');
    expect(Object.keys(buildTargets(role, noRefs, context))).toEqual(['validate']);
    const targets = buildTargets(role, noRefs, context, { molecule: true });
    expect(targets.molecule).toMatchObject({
      command: 'tsx scripts/molecule.ts ansible/roles/baseline',
      cache: true,
      parallelism: false,
      outputs: [],
    });
    expect(targets.molecule!.inputs).toEqual([
      'iacFiles',
      '^iacFiles',
      '{workspaceRoot}/ansible/molecule/**/*',
      '{workspaceRoot}/ansible/ansible.cfg',
      '{workspaceRoot}/mise.toml',
      '{workspaceRoot}/scripts/molecule.ts',
      { externalDependencies: ['execa'] },
    ]);
  });

  it('never gives images or playbooks a molecule target', () => {
    expect(
      buildTargets(project('packer/debian'), noRefs, context, { molecule: true }).molecule,
    ).toBeUndefined();
  });
});

describe('parsePluginOptions', () => {
  it('fills defaults and rejects unknown keys with an InfraError naming them', () => {
    expect(parsePluginOptions(undefined).validateCommand).toBe('tsx scripts/validate.ts');
    expect(() => parsePluginOptions({ validateComand: 'x' })).toThrow(/validateComand|Unrecognized key/);
    try {
      parsePluginOptions({ validateCommand: '' });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'NX_PLUGIN_OPTIONS_INVALID' });
      expect((error as Error).message).toContain('validateCommand');
    }
  });
});
