import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CreateDependenciesContext, ProjectConfiguration } from '@nx/devkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDependencies, createNodes, createNodesV2 } from './plugin';

let root: string;
const FILES: Record<string, string> = {
  'packer/debian/debian.pkr.hcl':
    'build {\n  provisioner "ansible" { playbook_file = "../../ansible/playbooks/debian.yml" }\n}\n',
  'packer/debian/README.md': '# debian\n',
  'packer/secrets/secrets.pkr.hcl': 'build {}\n',
  'ansible/playbooks/debian.yml': '- hosts: all\n  roles: [baseline]\n',
  'ansible/roles/baseline/tasks/main.yml': '- ping:\n',
  'secrets/local.enc.yaml': 'sops: {}\n',
  'infra.config.yaml': 'environments:\n  local: {}\n  lab: {}\n',
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'nx-plugin-unit-'));
  for (const [path, content] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const [glob, createNodesFn] = createNodes;
const run = async (files: string[], options: Record<string, unknown> = {}) =>
  createNodesFn(files, options, { workspaceRoot: root, nxJsonConfiguration: {} });

describe('createNodes', () => {
  it('is exported under both names with the glob of project files', () => {
    expect(createNodesV2).toBe(createNodes);
    expect(glob).toContain('packer/*/*.pkr.hcl');
  });

  it('builds one project per root from all matched files', async () => {
    const results = await run([
      'packer/debian/debian.pkr.hcl',
      'ansible/playbooks/debian.yml',
      'ansible/roles/baseline/tasks/main.yml',
      'secrets/local.enc.yaml',
    ]);
    const projects = Object.assign({}, ...results.map(([, result]) => result.projects));
    expect(Object.keys(projects).sort()).toEqual([
      'ansible/playbooks',
      'ansible/roles/baseline',
      'packer/debian',
      'secrets',
    ]);
    const debian = projects['packer/debian'];
    expect(debian.name).toBe('debian');
    expect(debian.tags).toEqual(['iac', 'iac:packer']);
    expect(debian.namedInputs).toEqual({ iacFiles: ['{projectRoot}/**/*', '!{projectRoot}/**/*.md'] });
    expect(Object.keys(debian.targets['build-image'].configurations)).toEqual(['local', 'lab']);
    expect(debian.targets.validate.inputs).toContain('{workspaceRoot}/ansible/playbooks/debian.yml');
  });

  it('reports a failing project without hiding the others (createNodesFromFiles)', async () => {
    const failure = await run([
      'packer/secrets/secrets.pkr.hcl',
      'packer/debian/debian.pkr.hcl',
      'secrets/local.enc.yaml',
    ]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ name: 'AggregateCreateNodesError' });
    const { errors, partialResults } = failure as {
      errors: Array<[string, Error]>;
      partialResults: Array<[string, { projects: Record<string, unknown> }]>;
    };
    expect(errors).toHaveLength(1);
    expect(errors[0]![0]).toBe('packer/secrets/secrets.pkr.hcl');
    expect(errors[0]![1].message).toContain(
      "the image name 'secrets' is already the name of project secrets",
    );
    expect(partialResults.flatMap(([, r]) => Object.keys(r.projects)).sort()).toEqual([
      'packer/debian',
      'secrets',
    ]);
  });

  it('rejects unknown options with a message naming the key', async () => {
    await expect(run(['secrets/local.enc.yaml'], { validatorCommand: 'x' })).rejects.toThrow(
      /validatorCommand/,
    );
  });
});

describe('createDependencies', () => {
  it('emits static edges with the referencing file, only between existing IaC projects', async () => {
    const project = (projectRoot: string): ProjectConfiguration => ({ root: projectRoot });
    const context = {
      projects: {
        debian: project('packer/debian'),
        'ansible-playbooks': project('ansible/playbooks'),
        'ansible-role-baseline': project('ansible/roles/baseline'),
        '@infra/core': project('libs/core'),
      },
      fileMap: {
        projectFileMap: {
          debian: [{ file: 'packer/debian/debian.pkr.hcl', hash: '1' }],
          'ansible-playbooks': [{ file: 'ansible/playbooks/debian.yml', hash: '2' }],
          'ansible-role-baseline': [{ file: 'ansible/roles/baseline/tasks/main.yml', hash: '3' }],
        },
        nonProjectFiles: [],
      },
      workspaceRoot: root,
    } as unknown as CreateDependenciesContext;
    const edges = await createDependencies(undefined, context);
    expect(edges).toEqual([
      {
        source: 'debian',
        target: 'ansible-role-baseline',
        type: 'static',
        sourceFile: 'packer/debian/debian.pkr.hcl',
      },
      {
        source: 'ansible-playbooks',
        target: 'ansible-role-baseline',
        type: 'static',
        sourceFile: 'ansible/playbooks/debian.yml',
      },
    ]);
  });
});
