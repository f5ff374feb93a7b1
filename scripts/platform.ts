#!/usr/bin/env tsx
/**
 * The Kubernetes GPU platform (kubernetes/): what will be applied, how it changed, and whether it is valid.
 *   render    every component's objects as applied (Helm output included) and the control plane's
 *             cluster.inlineManifests patch
 *   diff      the same rendering at a git ref against the working tree (default ref: HEAD)
 *   validate  scripts/validate.ts kubernetes on each component, and the talos inline-manifest check
 *   secret    create a component's declared app secrets, SOPS-encrypted for .sops.yaml's kubernetes rule
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defineCommand,
  defineGroup,
  InfraError,
  jsonOption,
  option,
  positional,
  printResult,
  runProcess,
  runScript,
} from '@infra/core';
import {
  KUBERNETES_DIR,
  listComponents,
  loadComponent,
  platformSnapshot,
  type SnapshotEntry,
  sourceArchivesDir,
} from '@infra/platform';
import {
  createAppSecrets,
  formatReport,
  toolchainEnvironment,
  type ValidationReport,
  validateProject,
} from '@infra/validators';
import type { ScriptsErrorCode } from './support/error-codes';

const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

const common = {
  env: option.string('infra.config.yaml environment (Kubernetes and Talos versions)', {
    short: 'e',
    default: 'local',
  }),
  json: jsonOption,
};
const components = positional.rest('component', 'components under kubernetes/ (default: all)');

/**
 * Helm through the one process runner, with the toolchain's PATH. The chart archives folder is this
 * checkout's (an older tree extracted for `diff` has no ../shared/sources next to it).
 */
function snapshotAt(repoRoot: string, environment: string, only: readonly string[], signal: AbortSignal) {
  const env = toolchainEnvironment();
  const archives = sourceArchivesDir(REPO_ROOT, env);
  return platformSnapshot({
    repoRoot,
    environment,
    env: { ...env, ...(archives ? { INFRA_SOURCE_ARCHIVES: archives } : {}) },
    only,
    run: (tool, args) => runProcess(tool, args, { cwd: repoRoot, signal, env: { PATH: env.PATH } }),
  });
}

const render = defineCommand({
  description: 'print exactly what will be applied: each component, then the cluster.inlineManifests patch',
  options: common,
  positionals: { components },
  examples: ['platform.ts render', 'platform.ts render nvidia-device-plugin', 'platform.ts render --json'],
  run: async ({ args, signal }) => {
    const entries = await snapshotAt(REPO_ROOT, args.env, args.components, signal);
    printResult(entries, args.json, () => entries.map(_section).join('\n'));
  },
});

const _section = (entry: SnapshotEntry) =>
  `# ===== ${entry.name} (${entry.delivery}) =====\n${entry.text.endsWith('\n') ? entry.text : `${entry.text}\n`}`;

const diff = defineCommand({
  description: 'what a change would apply: the rendering at a git ref against the working tree',
  options: {
    ...common,
    base: option.string('git ref to compare with', { value: 'ref', default: 'HEAD' }),
  },
  positionals: { components },
  examples: ['platform.ts diff', 'platform.ts diff --base main nvidia-device-plugin'],
  run: async ({ args, signal, log }) => {
    const scratch = await mkdtemp(join(tmpdir(), 'infra-platform-diff-'));
    try {
      const base = join(scratch, 'base');
      const archive = join(scratch, 'base.tar');
      // Only what the rendering reads: the components, the GPU node patch, the chart pins, the versions.
      await runProcess(
        'git',
        [
          'archive',
          '--format=tar',
          '-o',
          archive,
          args.base,
          KUBERNETES_DIR,
          'talos',
          'mise.toml',
          'infra.config.yaml',
        ],
        { cwd: REPO_ROOT, signal, check: true },
      );
      await runProcess('mkdir', ['-p', base], { signal, check: true });
      await runProcess('tar', ['-xf', archive, '-C', base], { signal, check: true });
      const before = await snapshotAt(base, args.env, [], signal).catch((error: unknown) => {
        log.warn(`${args.base} does not render (${(error as Error).message}); diffing against nothing`);
        return [] as SnapshotEntry[];
      });
      const after = await snapshotAt(REPO_ROOT, args.env, args.components, signal);
      const names = [...new Set([...after.map((e) => e.name), ...before.map((e) => e.name)])].filter(
        (name) =>
          args.components.length === 0 ||
          args.components.includes(name) ||
          name === 'cluster.inlineManifests',
      );
      const changes: { name: string; diff: string }[] = [];
      for (const name of names) {
        const a = join(scratch, `a-${name}.yaml`);
        const b = join(scratch, `b-${name}.yaml`);
        await writeFile(a, before.find((e) => e.name === name)?.text ?? '', { mode: 0o600 });
        await writeFile(b, after.find((e) => e.name === name)?.text ?? '', { mode: 0o600 });
        const result = await runProcess(
          'diff',
          ['-u', `--label=${args.base}:${name}`, `--label=worktree:${name}`, a, b],
          { signal },
        );
        if (result.exitCode > 1)
          throw new InfraError<ScriptsErrorCode>(
            'PLATFORM_DIFF_FAILED',
            `diff failed: ${result.stderr.trim()}`,
            { hint: 'is diffutils installed?' },
          );
        if (result.exitCode === 1) changes.push({ name, diff: result.stdout });
      }
      printResult(changes, args.json, () =>
        changes.length === 0 ? `no change against ${args.base}` : changes.map((c) => c.diff).join('\n'),
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  },
});

const validate = defineCommand({
  description:
    'validate each component with the real tools (scripts/validate.ts kubernetes) and the inline manifests',
  options: common,
  positionals: { components },
  examples: ['platform.ts validate', 'platform.ts validate ollama'],
  run: async ({ args, log }) => {
    const names = args.components.length > 0 ? args.components : await listComponents(REPO_ROOT);
    const reports: ValidationReport[] = [];
    for (const name of names) {
      if (!args.json) log.step(`validate kubernetes/${name}`);
      reports.push(
        await validateProject('kubernetes', `${KUBERNETES_DIR}/${name}`, {
          repoRoot: REPO_ROOT,
          environment: args.env,
        }),
      );
    }
    if (!args.json) log.step('validate talos (cluster.inlineManifests)');
    reports.push(await validateProject('talos', 'talos', { repoRoot: REPO_ROOT, environment: args.env }));
    printResult(reports, args.json, () => reports.map(formatReport).join('\n'));
    return reports.every((r) => r.ok) ? 0 : 1;
  },
});

const secret = defineCommand({
  description:
    "create a component's declared app secrets (component.yaml secrets), SOPS-encrypted for .sops.yaml's kubernetes rule",
  options: { json: jsonOption },
  positionals: {
    component: positional.required('component', 'a component under kubernetes/ that declares secrets'),
  },
  examples: ['platform.ts secret ollama'],
  run: async ({ args, log }) => {
    const component = await loadComponent(REPO_ROOT, args.component);
    if (!component.spec.secrets) {
      throw new InfraError<ScriptsErrorCode>(
        'PLATFORM_NO_SECRETS',
        `${component.dir}/component.yaml declares no secrets`,
        {
          hint: 'declare them under secrets: {<file>.enc.yaml: {name, namespace, keys}} (kubernetes/README.md "App secrets")',
        },
      );
    }
    const result = await createAppSecrets(REPO_ROOT, component, toolchainEnvironment());
    printResult(result, args.json, () =>
      [
        ...result.created.map(
          (file) => `created ${file} (encrypted; commit it, change values with: sops edit ${file})`,
        ),
        ...result.kept.map((file) => `kept ${file}: it exists (change it with: sops edit ${file})`),
      ].join('\n'),
    );
    if (!args.json && result.created.length > 0) log.info('the values were generated and never printed');
  },
});

export const command = defineGroup({
  description:
    'the Kubernetes GPU platform: render, diff and validate what will be applied; create app secrets',
  subcommands: { render, diff, validate, secret },
});

await runScript(import.meta.url, command);
