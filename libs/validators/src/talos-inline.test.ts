import { sourceArchivesDir } from '@infra/platform';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ToolEnv } from './exec';
import { talosInlineManifests } from './talos-inline';
import { type FixtureRepo, fixtureRepo, missingTools, REPO_ROOT, realToolEnv } from './testing/fixture-repo';

/** cluster.inlineManifests with the real Helm on the pinned chart. */
let env: ToolEnv;
let repo: FixtureRepo | undefined;

beforeAll(async () => {
  const base = await realToolEnv();
  env = { ...base, INFRA_SOURCE_ARCHIVES: sourceArchivesDir(REPO_ROOT, base) ?? '' };
  const missing = await missingTools(env, ['helm']);
  expect(missing, `not installed: ${missing.join(', ')}; run ./infra setup`).toEqual([]);
});

afterEach(async () => {
  await repo?.dispose();
  repo = undefined;
});

const copy = () => fixtureRepo(['kubernetes', 'talos', 'mise.toml']);
const RUNTIME_CLASS =
  'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: nvidia\n  labels:\n    app.kubernetes.io/part-of: infra-gpu-platform\nhandler: nvidia\n';

describe('talos cluster.inlineManifests', () => {
  it('renders the cluster-critical set into a valid machine-config patch', async () => {
    repo = await copy();
    expect(await talosInlineManifests(repo.context('talos', env))).toEqual([]);
  }, 120_000);

  it('accepts a hand-written entry that is exactly a validated component', async () => {
    repo = await copy();
    const contents = RUNTIME_CLASS.replace(/^/gm, '        ').trimEnd();
    await repo.write(
      'talos/patches/inline.yaml',
      `cluster:\n  inlineManifests:\n    - name: nvidia-runtime\n      contents: |\n${contents}\n`,
    );
    expect(await talosInlineManifests(repo.context('talos', env))).toEqual([]);
  }, 120_000);

  it('rejects an entry that is not in the validated set, and one that does not parse', async () => {
    repo = await copy();
    await repo.write(
      'talos/patches/inline.yaml',
      [
        'cluster:',
        '  inlineManifests:',
        '    - name: cilium',
        '      contents: "apiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: cilium\\n"',
        '    - name: nvidia-runtime',
        '      contents: "kind: [unclosed"',
        '',
      ].join('\n'),
    );
    const findings = await talosInlineManifests(repo.context('talos', env));
    expect(findings.map((f) => [f.file, f.message.split(':')[0]])).toEqual([
      ['talos/patches/inline.yaml', 'cluster.inlineManifests[0] (cilium)'],
      ['talos/patches/inline.yaml', 'cluster.inlineManifests[1] (nvidia-runtime)'],
      ['talos/patches/inline.yaml', 'cluster.inlineManifests[1] (nvidia-runtime)'],
    ]);
    expect(findings[0]!.message).toContain('"cilium" is not a validated cluster-critical component');
    expect(findings[1]!.message).toContain('contents:');
    expect(findings[2]!.message).toContain('contents differ from what kubernetes/nvidia-runtime renders to');
  }, 120_000);

  it('names the values file when the device plugin chart does not render', async () => {
    repo = await copy();
    await repo.replace(
      'kubernetes/nvidia-device-plugin/values.yaml',
      'gfd:\n  enabled: false',
      'gfd:\n  enabled: [',
    );
    const findings = await talosInlineManifests(repo.context('talos', env));
    expect(findings).toEqual([
      expect.objectContaining({
        file: 'kubernetes/nvidia-device-plugin/values.yaml',
        rule: 'inline-manifest',
        message: expect.stringContaining('helm template failed'),
      }),
    ]);
  }, 120_000);
});
