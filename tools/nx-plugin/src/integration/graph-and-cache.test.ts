import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureRepo, type FixtureRepo } from '../test-utils/fixture-repo';
import { summarizeRun } from '../test-utils/nx-output';

interface GraphJson {
  graph: {
    nodes: Record<string, { data: { root: string; targets: Record<string, Record<string, unknown>> } }>;
    dependencies: Record<string, Array<{ source: string; target: string; type: string }>>;
  };
}

// The validate stand-in echoes its arguments and working directory: trivial, so caching is all we measure.
const VALIDATE = `sh -c 'echo "validate $0 $1 in $(pwd)"'`;

let repo: FixtureRepo;
let graph: GraphJson['graph'];

beforeAll(() => {
  repo = createFixtureRepo({ pluginOptions: { validateCommand: VALIDATE, buildImageCommand: 'echo build' } });
  repo.nxOk(['graph', '--file=graph.json']);
  graph = (JSON.parse(readFileSync(join(repo.dir, 'graph.json'), 'utf8')) as GraphJson).graph;
});

afterAll(() => repo?.cleanup());

describe('nx graph', () => {
  it('has exactly the IaC edges the tree implies', () => {
    const iacProjects = new Set(
      Object.entries(graph.nodes)
        .filter(([, node]) => !node.data.root.startsWith('libs/'))
        .map(([name]) => name),
    );
    const edges = Object.values(graph.dependencies)
      .flat()
      .filter((d) => iacProjects.has(d.source))
      .map((d) => `${d.source} -> ${d.target} (${d.type})`)
      .sort();
    expect(edges).toEqual([
      'ansible-playbooks -> ansible-role-baseline (static)',
      'ansible-playbooks -> ansible-role-common (static)',
      'ansible-playbooks -> ansible-role-docker (static)',
      'ansible-role-baseline -> ansible-role-common (static)',
      'arch -> ansible-role-common (static)',
      'debian -> ansible-role-baseline (static)',
      'k8s-flux -> k8s-ollama (static)',
      'talos -> talos-config (implicit)',
      'tf-env-local -> tf-module-vm (static)',
      'ubuntu -> ansible-role-docker (static)',
    ]);
  });

  it('gives every kind a validate target running the validator with its kind and root', () => {
    const commands = Object.fromEntries(
      Object.entries(graph.nodes)
        .filter(([, node]) => node.data.targets.validate)
        .map(([name, node]) => [name, (node.data.targets.validate!.options as { command: string }).command]),
    );
    const validate = (kind: string, root: string) => `${VALIDATE} ${kind} ${root}`;
    expect(commands).toEqual({
      arch: validate('packer', 'packer/arch'),
      debian: validate('packer', 'packer/debian'),
      nixos: validate('packer', 'packer/nixos'),
      ubuntu: validate('packer', 'packer/ubuntu'),
      talos: validate('packer', 'packer/talos'),
      'ansible-playbooks': validate('ansible-playbooks', 'ansible/playbooks'),
      'ansible-role-baseline': validate('ansible-role', 'ansible/roles/baseline'),
      'ansible-role-common': validate('ansible-role', 'ansible/roles/common'),
      'ansible-role-docker': validate('ansible-role', 'ansible/roles/docker'),
      'tf-module-vm': validate('terraform', 'terraform/modules/vm'),
      'tf-module-unused': validate('terraform', 'terraform/modules/unused'),
      'tf-env-local': validate('terraform', 'terraform/environments/local'),
      'talos-config': validate('talos', 'talos'),
      secrets: validate('secrets', 'secrets'),
      'k8s-flux': validate('kubernetes', 'kubernetes/flux'),
      'k8s-nvidia-device-plugin': validate('kubernetes', 'kubernetes/nvidia-device-plugin'),
      'k8s-ollama': validate('kubernetes', 'kubernetes/ollama'),
    });
    for (const node of Object.values(graph.nodes)) {
      const target = node.data.targets.validate;
      if (!target) continue;
      expect(target).toMatchObject({ cache: true, outputs: [] });
    }
  });

  it('gives images a build-image target with one configuration per environment', () => {
    const buildImage = graph.nodes.debian!.data.targets['build-image']!;
    expect(buildImage).toMatchObject({
      cache: false,
      parallelism: false,
      dependsOn: ['validate'],
      defaultConfiguration: 'local',
      configurations: { local: { args: '-e local' }, prod: { args: '-e prod' } },
    });
    expect(graph.nodes['tf-env-local']!.data.targets['build-image']).toBeUndefined();
  });

  it('runs build-image from the workspace root after validate, passing the environment', () => {
    const prod = repo.nxOk(['run', 'debian:build-image:prod', '--output-style=static']);
    expect(prod).toContain(`validate packer packer/debian in ${repo.dir}`);
    expect(prod).toContain('build --os debian -e prod');
    const byDefault = repo.nxOk(['run', 'ubuntu:build-image', '--output-style=static']);
    expect(byDefault).toContain('build --os ubuntu -e local');
  });
});

describe('caching of validate', () => {
  it('replays every task from the cache on an unchanged second run', () => {
    // A cache of its own, so the earlier build-image run's validate results do not count.
    const env = { NX_CACHE_DIRECTORY: join(repo.dir, '.nx/cache-replay-test') };
    const first = summarizeRun(repo.nxOk(['run-many', '-t', 'validate', '--output-style=static'], env));
    expect(first.ran).toHaveLength(17);
    expect(first.cached).toBe(0);
    const second = summarizeRun(repo.nxOk(['run-many', '-t', 'validate', '--output-style=static'], env));
    expect(second.ran).toHaveLength(17);
    expect(second.cached).toBe(17);
  });

  it('after one role change, affected runs only the images and projects using it, then caches them', () => {
    repo.nxOk(['run-many', '-t', 'validate', '--output-style=static']);
    repo.touch('ansible/roles/baseline/tasks/main.yml');
    repo.commit('change baseline');
    const affected = ['affected', '-t', 'validate', '--base=HEAD~1', '--output-style=static'];
    const env = { NX_LEGACY_AFFECTED: 'false' };
    const first = summarizeRun(repo.nxOk(affected, env));
    // secrets too: its leak scan reads every file of the repository.
    expect(first.ran.sort()).toEqual(['ansible-playbooks', 'ansible-role-baseline', 'debian', 'secrets']);
    expect(first.cached).toBe(0);
    const again = summarizeRun(repo.nxOk(affected, env));
    expect(again.cached).toBe(4);
    // The untouched projects still hit the cache with the new commit in place.
    const all = summarizeRun(repo.nxOk(['run-many', '-t', 'validate', '--output-style=static']));
    expect(all.cached).toBe(17);
  });
});
