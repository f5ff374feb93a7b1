import { loadComponent, sourceArchivesDir } from '@infra/platform';
import {
  checkSecrets,
  decryptData,
  generateAgeKey,
  KUBERNETES_SECRETS_RULE,
  resolveSopsKeys,
  writeSopsConfig,
} from '@infra/sops-secrets';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ToolEnv } from './exec';
import type { Finding } from './finding';
import {
  kubeconform,
  kubernetesAppSecrets,
  kubernetesCheckov,
  kubernetesGpuRules,
  kubernetesProjectLoader,
  kubernetesRender,
} from './kubernetes';
import { createAppSecrets } from './kubernetes-secrets';
import { type FixtureRepo, fixtureRepo, missingTools, REPO_ROOT, realToolEnv } from './testing/fixture-repo';

/**
 * The kubernetes validator with the real tools (Helm v4 on the pinned chart, kubeconform on
 * kubernetes-validate's schemas, checkov) on copies of the real components, and with real defects.
 */
const COMPONENTS = ['nvidia-runtime', 'nvidia-device-plugin', 'gpu-smoke', 'ollama', 'jellyfin', 'flux'];
const TOOLS = ['helm', 'kubeconform', 'checkov', 'sops', 'age-keygen'];

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
  steps: ('render' | 'kubeconform' | 'gpu' | 'secrets' | 'checkov')[],
  toolEnv: ToolEnv = env,
): Promise<Finding[]> {
  const ctx = repo!.context(`kubernetes/${component}`, toolEnv);
  const load = kubernetesProjectLoader(ctx, { environment: 'local' });
  const findings: Finding[] = [];
  if (steps.includes('render')) findings.push(...(await kubernetesRender(ctx, load)));
  if (steps.includes('kubeconform')) findings.push(...(await kubeconform(ctx, load)));
  if (steps.includes('gpu')) findings.push(...(await kubernetesGpuRules(ctx, load)));
  if (steps.includes('secrets')) findings.push(...(await kubernetesAppSecrets(ctx, load)));
  if (steps.includes('checkov')) findings.push(...(await kubernetesCheckov(ctx, load)));
  return findings;
}

const copy = () => fixtureRepo(['kubernetes', 'talos', 'mise.toml']);

describe('kubernetes validation of the real components', () => {
  it.each(COMPONENTS)(
    '%s renders, passes strict schemas, the GPU rules and the app-secret rules',
    async (component) => {
      repo = await copy();
      expect(await run(component, ['render', 'kubeconform', 'gpu', 'secrets'])).toEqual([]);
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

/** Every plain manifest of every component (the files a user edits; chart output is covered by values.yaml). */
const MANIFESTS = (await Promise.all(COMPONENTS.map((c) => loadComponent(REPO_ROOT, c)))).flatMap((c) =>
  c.manifestFiles.map((file) => [c.name, file] as const),
);

describe('kubernetes validation catches real defects, naming file and field', () => {
  it('covers every manifest of every component', () => {
    expect(MANIFESTS.length).toBeGreaterThanOrEqual(17);
    expect(new Set(MANIFESTS.map(([component]) => component))).toEqual(new Set(COMPONENTS));
  });

  it.each(MANIFESTS)(
    '%s: an unknown field in %s fails, naming that file',
    async (component, file) => {
      repo = await copy();
      await repo.write(file, `bogusField: 1\n${await repo.read(file)}`);
      const findings = await run(component, ['kubeconform', 'gpu']);
      expect(findings).toContainEqual(
        expect.objectContaining({
          file,
          rule: expect.stringMatching(/^(schema|flux-schema)$/),
          message: expect.stringContaining('bogusField'),
        }),
      );
    },
    120_000,
  );

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

  it('kubeconform follows the one Kubernetes pin (talos.kubernetesVersion)', async () => {
    repo = await copy();
    await repo.replace('infra.config.yaml', 'kubernetesVersion: 1.36.3', 'kubernetesVersion: 1.32.4');
    await repo.replace('kubernetes/ollama/service.yaml', 'spec:\n', 'spec:\n  bogusField: 1\n');
    const ctx = repo.context('kubernetes/ollama', env);
    expect((await kubernetesProjectLoader(ctx, { environment: 'local' })()).kubernetesVersion).toBe('1.32.4');
    expect(await run('ollama', ['kubeconform'])).toEqual([
      expect.objectContaining({
        file: 'kubernetes/ollama/service.yaml',
        message: expect.stringMatching(/bogusField.*\(Kubernetes 1\.32\.4 strict schema\)/),
      }),
    ]);
  }, 120_000);

  it('a Kubernetes version the pinned Talos does not support', async () => {
    repo = await copy();
    await repo.replace('infra.config.yaml', 'kubernetesVersion: 1.36.3', 'kubernetesVersion: 1.37.0');
    expect(await run('nvidia-runtime', ['render'])).toEqual([
      expect.objectContaining({
        file: 'infra.config.yaml',
        rule: 'PLATFORM_KUBERNETES_VERSION',
        message: expect.stringMatching(
          /^infra\.config\.yaml:\d+:\d+: catalog\.talos\.kubernetesVersion: Talos v1\.13\.9 supports Kubernetes 1\.31\.0 to 1\.36\.x, not 1\.37\.0/,
        ),
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

describe('app secrets: SOPS-encrypted Secrets next to the manifests', () => {
  const IDENTITY = 'kubernetes/ollama/identity.enc.yaml';

  it('a declared secret this checkout lacks is checked as a stand-in the real sops encrypted, then deleted', async () => {
    repo = await copy();
    const ctx = repo.context('kubernetes/ollama', env);
    const project = await kubernetesProjectLoader(ctx, { environment: 'local' })();
    const secret = project.rendered.documents.find((d) => d.file === IDENTITY);
    expect(secret).toMatchObject({
      standIn: true,
      sops: { encryptedRegex: '^(data|stringData)$', recipients: [expect.stringMatching(/^age1/)] },
      object: {
        kind: 'Secret',
        metadata: { name: 'ollama-identity', namespace: 'ollama' },
        stringData: { id_ed25519: expect.stringMatching(/^ENC\[AES256_GCM,data:/) },
      },
    });
    // Only ciphertext anywhere: no key, no plaintext value, and nothing left in the checkout.
    expect(secret!.text).not.toMatch(/PRIVATE KEY|AGE-SECRET-KEY/);
    await expect(repo.read(IDENTITY)).rejects.toThrow();
    expect(await run('ollama', ['kubeconform', 'secrets', 'checkov'])).toEqual([]);
  }, 180_000);

  it('platform secret: created for the .sops.yaml kubernetes rule, then validated as the real file', async () => {
    repo = await copy();
    const keyFile = repo.path('keys/me.agekey');
    const recipient = await generateAgeKey(keyFile);
    await writeSopsConfig(repo.path('.sops.yaml'), {
      creation_rules: [{ ...KUBERNETES_SECRETS_RULE, age: [recipient] }],
    });
    const userEnv = { ...env, SOPS_AGE_KEY_FILE: keyFile };
    const component = await loadComponent(repo.root, 'ollama');
    expect(await createAppSecrets(repo.root, component, userEnv)).toEqual({ created: [IDENTITY], kept: [] });
    expect(await createAppSecrets(repo.root, component, userEnv)).toEqual({ created: [], kept: [IDENTITY] });
    const text = await repo.read(IDENTITY);
    expect(text).toMatch(/^ {4}id_ed25519: ENC\[AES256_GCM,data:/m);
    expect(text).toContain(`recipient: ${recipient}`);
    expect(text).not.toContain('PRIVATE KEY');
    // Flux's view: the decrypted Secret holds an ed25519 key Go's ssh package can read (PKCS#8 PEM).
    const keys = await resolveSopsKeys({ env: userEnv });
    const plain = (await decryptData(repo.path(IDENTITY), { keys })) as {
      stringData: { id_ed25519: string };
    };
    expect(plain.stringData.id_ed25519).toMatch(
      /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----$/,
    );

    const ctx = repo.context('kubernetes/ollama', userEnv);
    const project = await kubernetesProjectLoader(ctx, { environment: 'local' })();
    expect(project.rendered.documents.find((d) => d.file === IDENTITY)?.standIn).toBeUndefined();
    expect(await run('ollama', ['render', 'kubeconform', 'secrets'], userEnv)).toEqual([]);

    // The secrets leak scan holds it to the same rules (rule, recipients, readable) and finds nothing.
    const scanned = [repo.path(IDENTITY), repo.path('kubernetes/ollama/deployment.yaml')];
    expect(await checkSecrets({ repoRoot: repo.root, env: userEnv, leakScanPaths: scanned })).toEqual([]);

    // A value pasted in by hand stays plaintext: named with its line and field, never its value.
    const line = await repo.replace(
      IDENTITY,
      /^ {4}id_ed25519: ENC\[[^\n]*$/m,
      '    id_ed25519: pasted-by-hand',
    );
    const findings = await run('ollama', ['secrets'], userEnv);
    expect(findings).toEqual([
      expect.objectContaining({
        file: IDENTITY,
        line,
        rule: 'secret-plaintext',
        message: expect.stringContaining(
          'Secret/ollama/ollama-identity: stringData.id_ed25519: in plaintext',
        ),
      }),
    ]);
    expect(JSON.stringify(findings)).not.toContain('pasted-by-hand');
  }, 180_000);

  it('an app with secrets whose Flux Kustomization does not decrypt them', async () => {
    repo = await copy();
    const decryption = '  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n';
    const line = await repo.replace('kubernetes/flux/apps.yaml', decryption, '');
    expect(await run('flux', ['gpu'])).toEqual([
      expect.objectContaining({
        file: 'kubernetes/flux/apps.yaml',
        line: line - 9,
        rule: 'flux-decryption',
        message: expect.stringContaining(
          'Kustomization/ollama: spec: kubernetes/ollama holds SOPS-encrypted app secrets',
        ),
      }),
    ]);
  }, 120_000);

  it('a *.enc.yaml that sops never encrypted', async () => {
    repo = await copy();
    await repo.write(
      IDENTITY,
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: ollama-identity\n  namespace: ollama\nstringData:\n  id_ed25519: x\n',
    );
    expect(await run('ollama', ['secrets'])).toEqual([
      expect.objectContaining({ file: IDENTITY, rule: 'secret-not-encrypted' }),
    ]);
  }, 120_000);

  it('a Secret with values in a plain manifest', async () => {
    repo = await copy();
    await repo.write(
      'kubernetes/jellyfin/secret.yaml',
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: jellyfin-api\n  namespace: jellyfin\nstringData:\n  key: x\n',
    );
    await repo.replace(
      'kubernetes/jellyfin/kustomization.yaml',
      '  - namespace.yaml\n',
      '  - namespace.yaml\n  - secret.yaml\n',
    );
    expect(await run('jellyfin', ['render', 'secrets'])).toEqual([
      expect.objectContaining({
        file: 'kubernetes/jellyfin/secret.yaml',
        line: 6,
        rule: 'secret-plaintext',
        message: expect.stringContaining(
          'Secret/jellyfin/jellyfin-api: stringData: a Secret with values in plaintext',
        ),
      }),
    ]);
  }, 120_000);
});
