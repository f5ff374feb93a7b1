import { sourceArchivesDir } from '@infra/platform';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ToolEnv } from './exec';
import type { Finding } from './finding';
import {
  kubeconform,
  kubernetesCheckov,
  kubernetesGpuRules,
  kubernetesProjectLoader,
  kubernetesRender,
} from './kubernetes';
import { type FixtureRepo, fixtureRepo, missingTools, REPO_ROOT, realToolEnv } from './testing/fixture-repo';

/**
 * The kubernetes validator with the real tools (Helm v4 on the pinned chart, kubeconform on
 * kubernetes-validate's schemas, checkov) on copies of the real components, and with real defects.
 */
const COMPONENTS = ['nvidia-runtime', 'nvidia-device-plugin', 'gpu-smoke', 'ollama', 'jellyfin', 'flux'];
const TOOLS = ['helm', 'kubeconform', 'checkov'];

let env: ToolEnv;
let repo: FixtureRepo | undefined;

beforeAll(async () => {
  const base = await realToolEnv();
  // The copies live in a temp dir, so the archives folder is the real repo's.
  env = { ...base, INFRA_SOURCE_ARCHIVES: sourceArchivesDir(REPO_ROOT, base) ?? '' };
  const missing = await missingTools(env, TOOLS);
  // A test that needs the toolchain fails with the fix, never skips silently.
  expect(missing, `not installed: ${missing.join(', ')}; run ./infra setup`).toEqual([]);
  expect(
    env.INFRA_KUBECONFORM_SCHEMA_LOCATION,
    'kubeconform schemas not installed; run ./infra setup',
  ).toBeTruthy();
  expect(env.INFRA_SOURCE_ARCHIVES, 'no source archives folder; set INFRA_SOURCE_ARCHIVES').not.toBe('');
});

afterEach(async () => {
  await repo?.dispose();
  repo = undefined;
});

async function run(
  component: string,
  steps: ('render' | 'kubeconform' | 'gpu' | 'checkov')[],
): Promise<Finding[]> {
  const ctx = repo!.context(`kubernetes/${component}`, env);
  const load = kubernetesProjectLoader(ctx, { environment: 'local' });
  const findings: Finding[] = [];
  if (steps.includes('render')) findings.push(...(await kubernetesRender(ctx, load)));
  if (steps.includes('kubeconform')) findings.push(...(await kubeconform(ctx, load)));
  if (steps.includes('gpu')) findings.push(...(await kubernetesGpuRules(ctx, load)));
  if (steps.includes('checkov')) findings.push(...(await kubernetesCheckov(ctx, load)));
  return findings;
}

const copy = () => fixtureRepo(['kubernetes', 'talos', 'mise.toml']);

describe('kubernetes validation of the real components', () => {
  it.each(COMPONENTS)(
    '%s renders, passes strict schemas and the GPU rules',
    async (component) => {
      repo = await copy();
      expect(await run(component, ['render', 'kubeconform', 'gpu'])).toEqual([]);
    },
    120_000,
  );

  it.each(['nvidia-device-plugin', 'ollama'])(
    '%s passes checkov (skips justified)',
    async (component) => {
      repo = await copy();
      expect(await run(component, ['checkov'])).toEqual([]);
    },
    180_000,
  );
});

describe('kubernetes validation catches real defects, naming file and field', () => {
  it('an unknown field in a manifest (kubeconform -strict)', async () => {
    repo = await copy();
    const line = await repo.replace(
      'kubernetes/ollama/deployment.yaml',
      'readOnlyRootFilesystem: true',
      'readOnlyRootFilesytem: true',
    );
    const findings = await run('ollama', ['kubeconform']);
    expect(findings).toEqual([
      expect.objectContaining({
        file: 'kubernetes/ollama/deployment.yaml',
        rule: 'schema',
        tool: 'kubeconform',
        message: expect.stringMatching(
          /Deployment\/ollama: spec\.template\.spec\.containers\[0\]\.securityContext: additional properties 'readOnlyRootFilesytem' not allowed/,
        ),
      }),
    ]);
    expect(findings[0]!.line).toBeLessThanOrEqual(line);
  }, 120_000);

  it('a wrong type in the device plugin values, named in values.yaml with the rendered field', async () => {
    repo = await copy();
    await repo.replace(
      'kubernetes/nvidia-device-plugin/values.yaml',
      'runtimeClassName: nvidia',
      'runtimeClassName: 42',
    );
    const findings = await run('nvidia-device-plugin', ['kubeconform', 'gpu']);
    expect(findings).toContainEqual(
      expect.objectContaining({
        file: 'kubernetes/nvidia-device-plugin/values.yaml',
        rule: 'schema',
        message: expect.stringMatching(
          /DaemonSet\/nvidia-device-plugin: spec\.template\.spec\.runtimeClassName: got number, want .*string.*rendered from nvidia-device-plugin\/templates\/daemonset-device-plugin\.yml/,
        ),
      }),
    );
  }, 120_000);

  it('a GPU pod without runtimeClassName: nvidia', async () => {
    repo = await copy();
    await repo.replace('kubernetes/jellyfin/deployment.yaml', '      runtimeClassName: nvidia\n', '');
    expect(await run('jellyfin', ['kubeconform', 'gpu'])).toEqual([
      expect.objectContaining({
        file: 'kubernetes/jellyfin/deployment.yaml',
        line: 24,
        rule: 'gpu-runtime-class',
        message: expect.stringContaining(
          'Deployment/jellyfin/jellyfin: spec.template.spec: a pod that uses nvidia.com/gpu must set runtimeClassName: nvidia',
        ),
      }),
    ]);
  }, 120_000);

  it('a GPU request without the nvidia.com/gpu limit', async () => {
    repo = await copy();
    const text = await repo.read('kubernetes/gpu-smoke/job.yaml');
    await repo.write(
      'kubernetes/gpu-smoke/job.yaml',
      text
        .replace(
          '              memory: 16Mi\n',
          '              memory: 16Mi\n              nvidia.com/gpu: 1\n',
        )
        .replace('              nvidia.com/gpu: 1\n          securityContext', '          securityContext'),
    );
    const findings = await run('gpu-smoke', ['kubeconform', 'gpu']);
    expect(findings).toEqual([
      expect.objectContaining({
        file: 'kubernetes/gpu-smoke/job.yaml',
        rule: 'gpu-limit',
        message: expect.stringContaining(
          'Job/gpu-smoke/gpu-smoke: spec.template.spec.containers[0].resources.limits: container "nvidia-smi" requests nvidia.com/gpu but sets no nvidia.com/gpu limit',
        ),
      }),
    ]);
  }, 120_000);

  it('a device plugin whose tolerations do not match the GPU taint', async () => {
    repo = await copy();
    await repo.replace(
      'kubernetes/nvidia-device-plugin/values.yaml',
      '    operator: Exists',
      '    operator: Equal\n    value: "true"',
    );
    const findings = await run('nvidia-device-plugin', ['gpu']);
    expect(findings).toEqual([
      expect.objectContaining({
        file: 'kubernetes/nvidia-device-plugin/values.yaml',
        rule: 'device-plugin-scheduling',
        message: expect.stringMatching(
          /^DaemonSet\/nvidia-device-plugin\/nvidia-device-plugin: spec\.template\.spec\.tolerations: tolerations do not match the GPU node's taint nvidia\.com\/gpu=present:NoSchedule/,
        ),
      }),
    ]);
  }, 120_000);

  it('reads the taint from talos/patches/nvidia-gpu-node.yaml: changing it there breaks every GPU workload', async () => {
    repo = await copy();
    await repo.replace(
      'talos/patches/nvidia-gpu-node.yaml',
      'nvidia.com/gpu=present:NoSchedule',
      'gpu.example.com/dedicated=true:NoSchedule',
    );
    expect((await run('nvidia-device-plugin', ['gpu'])).map((f) => f.rule)).toEqual([
      'device-plugin-scheduling',
    ]);
    expect((await run('ollama', ['gpu'])).map((f) => f.rule)).toEqual(['gpu-scheduling']);
  }, 120_000);

  it('a Kubernetes version the pinned Talos does not support', async () => {
    repo = await copy();
    await repo.replace('infra.config.yaml', 'kubernetesVersion: 1.36.3', 'kubernetesVersion: 1.37.0');
    expect(await run('nvidia-runtime', ['render'])).toEqual([
      expect.objectContaining({
        file: 'infra.config.yaml',
        rule: 'PLATFORM_KUBERNETES_VERSION',
        message: expect.stringContaining('Talos v1.13.9 supports Kubernetes 1.31.0 to 1.36.x, not 1.37.0'),
      }),
    ]);
  }, 120_000);

  it('an unknown field in a Flux Kustomization', async () => {
    repo = await copy();
    const line = await repo.replace(
      'kubernetes/flux/apps.yaml',
      '  prune: true',
      '  prune: true\n  purge: true',
    );
    const findings = await run('flux', ['kubeconform', 'gpu']);
    expect(findings).toContainEqual(
      expect.objectContaining({
        file: 'kubernetes/flux/apps.yaml',
        line: line + 1,
        rule: 'flux-schema',
        message: expect.stringContaining('Kustomization/ollama: spec.purge'),
      }),
    );
  }, 120_000);
});
