import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { type CoreErrorCode, InfraError, isInfraError } from '@infra/core';
import {
  type Component,
  checkAppSecrets,
  checkDevicePluginScheduling,
  checkFluxKustomizations,
  checkGpuWorkloads,
  clusterVersions,
  isFluxKustomization,
  KUBERNETES_DIR,
  listComponents,
  loadComponent,
  loadGpuNode,
  type ManifestDocument,
  NVIDIA_RUNTIME_CLASS,
  type PlatformFinding,
  type RenderedComponent,
  renderComponent,
} from '@infra/platform';
import { KUBERNETES_SECRETS_RULE } from '@infra/sops-secrets';
import { parseCheckov } from './checkov';
import type { ValidationContext } from './context';
import type { ValidatorsErrorCode } from './error-codes';
import { runTool } from './exec';
import type { Finding } from './finding';
import { type KubeconformProblem, parseKubeconform, pointerToPath } from './kubernetes-output';
import { appSecretStandIn } from './kubernetes-secrets';
import { toRepoPath } from './paths';

/** The chart whose DaemonSets must reach the GPU node and may use the nvidia runtime without a GPU limit. */
const DEVICE_PLUGIN_CHART = 'nvidia-device-plugin';

/** One component rendered once per validation, and written to a scratch tree the tools read. */
export interface KubernetesProject {
  component: Component;
  rendered: RenderedComponent;
  kubernetesVersion: string;
  /** Scratch file -> the documents it holds (one per manifest file, one per rendered chart template). */
  files: Map<string, ManifestDocument[]>;
}

/**
 * Loads and renders the component at ctx.projectRoot for the environment's Kubernetes version (failing when the
 * pinned Talos does not support it) and writes what will be applied into a scratch tree: manifest files
 * byte for byte (so tool line numbers are the file's), Helm output one file per chart template.
 */
export function kubernetesProjectLoader(
  ctx: ValidationContext,
  options: { environment?: string } = {},
): () => Promise<KubernetesProject> {
  let loading: Promise<KubernetesProject> | undefined;
  return () => {
    loading ??= (async () => {
      const dir = toRepoPath(ctx.repoRoot, ctx.projectRoot);
      const name = basename(dir);
      if (dirname(dir) !== KUBERNETES_DIR) {
        throw new InfraError<ValidatorsErrorCode>(
          'PROJECT_NOT_FOUND',
          `${dir} is not a component folder (${KUBERNETES_DIR}/<name>)`,
          {
            hint: 'pass e.g. kubernetes/ollama',
          },
        );
      }
      const { kubernetesVersion } = await clusterVersions(ctx.repoRoot, options.environment ?? 'local');
      const component = await loadComponent(ctx.repoRoot, name);
      const rendered = await renderComponent(component, {
        repoRoot: ctx.repoRoot,
        env: ctx.env,
        kubernetesVersion,
        run: (tool, args) => runTool(tool, args, { cwd: ctx.repoRoot, env: ctx.env }),
        appSecretStandIn: appSecretStandIn(await ctx.scratch('app-secrets'), ctx.env),
      });
      const scratch = await ctx.scratch('kubernetes');
      const byFile = new Map<string, ManifestDocument[]>();
      for (const document of rendered.documents) {
        const path = document.template
          ? join(scratch, dirname(document.file), 'rendered', document.template)
          : join(scratch, document.file);
        byFile.set(path, [...(byFile.get(path) ?? []), document]);
      }
      for (const [path, documents] of byFile) {
        await mkdir(dirname(path), { recursive: true });
        // Chart output, and encrypted manifests without their sops metadata (kept out of the schemas: it is
        // no Kubernetes field), as rendered; a plain manifest byte for byte.
        const first = documents[0]!;
        const text =
          first.template || first.sops || first.standIn
            ? documents.map((d) => d.text).join('---\n')
            : await readFile(join(ctx.repoRoot, first.file), 'utf8');
        await writeFile(path, text, { mode: 0o600 });
      }
      return { component, rendered, kubernetesVersion, files: byFile };
    })();
    return loading;
  };
}

type Load = () => Promise<KubernetesProject>;

/** A configuration or manifest error (an InfraError) as the one finding of a step; tool errors propagate. */
async function _guard(ctx: ValidationContext, run: () => Promise<Finding[]>): Promise<Finding[]> {
  try {
    return await run();
  } catch (error) {
    if (!isInfraError(error) || isInfraError<CoreErrorCode>(error, 'TOOL_MISSING', 'TOOL_TIMEOUT'))
      throw error;
    const file =
      /^([\w./-]+\.(ya?ml|toml)):/.exec(error.message)?.[1] ?? toRepoPath(ctx.repoRoot, ctx.projectRoot);
    return [
      {
        file,
        rule: error.code,
        severity: 'error',
        message: `${error.message}${error.hint ? ` (${error.hint})` : ''}`,
        tool: 'infra',
      },
    ];
  }
}

const _fromPlatform = (finding: PlatformFinding, tool: string): Finding => ({
  file: finding.file,
  ...(finding.line !== undefined ? { line: finding.line } : {}),
  rule: finding.rule,
  severity: 'error',
  message: `${finding.field}: ${finding.message}`,
  tool,
});

/** Render: the component file, the manifests and kustomization, Helm, the Talos/Kubernetes compatibility. */
export function kubernetesRender(ctx: ValidationContext, load: Load): Promise<Finding[]> {
  return _guard(ctx, async () => {
    const project = await load();
    return project.rendered.problems.map((problem) => ({
      file: problem.file,
      ...(problem.line !== undefined ? { line: problem.line } : {}),
      rule: 'manifest',
      severity: 'error' as const,
      message: problem.message,
      tool: project.component.spec.helm ? 'helm' : 'infra',
    }));
  });
}

/**
 * kubeconform, strict (unknown fields are errors), against kubernetes-validate's schemas of the cluster's
 * Kubernetes minor. Flux objects are left to the Flux schema check (the Kubernetes schemas have no CRDs).
 */
export function kubeconform(ctx: ValidationContext, load: Load): Promise<Finding[]> {
  return _guard(ctx, async () => {
    const project = await load();
    if (project.files.size === 0) return [];
    const location = ctx.env.INFRA_KUBECONFORM_SCHEMA_LOCATION;
    if (!location) {
      throw new InfraError<ValidatorsErrorCode>(
        'TOOL_MISSING',
        'the kubeconform schemas are not installed (INFRA_KUBECONFORM_SCHEMA_LOCATION is not set)',
        {
          hint: "run ./infra setup (kubernetes-validate's schemas are rewritten for kubeconform into the toolchain cache)",
          details: { tool: 'kubeconform' },
        },
      );
    }
    const [major, minor] = project.kubernetesVersion.split('.');
    const schemaDir =
      ctx.env.INFRA_KUBERNETES_SCHEMAS &&
      join(ctx.env.INFRA_KUBERNETES_SCHEMAS, `v${major}.${minor}.0-local-strict`);
    if (
      schemaDir &&
      !(await stat(schemaDir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    ) {
      throw new InfraError<ValidatorsErrorCode>(
        'TOOL_MISSING',
        `the Kubernetes ${major}.${minor} schemas for kubeconform are not installed (${schemaDir})`,
        {
          hint: "run ./infra setup (it rewrites kubernetes-validate's schemas for kubeconform into the toolchain cache)",
          details: { tool: 'kubernetes-validate' },
        },
      );
    }
    const run = await runTool(
      'kubeconform',
      [
        '-strict',
        '-output',
        'json',
        '-kubernetes-version',
        `${major}.${minor}.0`,
        '-schema-location',
        location,
        '-skip',
        'kustomize.toolkit.fluxcd.io/v1/Kustomization',
        ...project.files.keys(),
      ],
      { cwd: ctx.repoRoot, env: ctx.env },
    );
    const problems = parseKubeconform(run.stdout);
    if (problems === undefined) {
      return [
        {
          file: toRepoPath(ctx.repoRoot, ctx.projectRoot),
          rule: 'kubeconform',
          severity: 'error',
          message: `kubeconform failed (exit ${run.exitCode}): ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' ')}`,
          tool: 'kubeconform',
        },
      ];
    }
    return problems.map((problem) => _kubeconformFinding(problem, project, ctx));
  });
}

function _kubeconformFinding(
  problem: KubeconformProblem,
  project: KubernetesProject,
  ctx: ValidationContext,
): Finding {
  const documents = project.files.get(problem.filename) ?? [];
  const document =
    documents.find((d) => {
      const metadata = (d.object.metadata ?? {}) as { name?: unknown };
      return d.object.kind === problem.kind && metadata.name === problem.name;
    }) ?? documents[0];
  const path = pointerToPath(problem.pointer);
  const line = document?.lineOf(path);
  const field = `${problem.kind}/${problem.name}: ${
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : p))
      .join('.')
      .replace(/\.\[/g, '[') || '(object)'
  }`;
  const from = document?.template ? ` (rendered from ${document.template})` : '';
  return {
    file: document?.file ?? toRepoPath(ctx.repoRoot, problem.filename),
    ...(line !== undefined ? { line } : {}),
    rule: 'schema',
    severity: 'error',
    message: `${field}: ${problem.message} (Kubernetes ${project.kubernetesVersion} strict schema)${from}`,
    tool: 'kubeconform',
  };
}

/**
 * The GPU platform's own rules: GPU limit and nvidia runtime on GPU pods, GPU pods and the device plugin
 * schedulable on the GPU node (label and taint from talos/patches/nvidia-gpu-node.yaml), the RuntimeClass handler,
 * and Flux Kustomizations against their schema.
 */
export function kubernetesGpuRules(ctx: ValidationContext, load: Load): Promise<Finding[]> {
  return _guard(ctx, async () => {
    const project = await load();
    const node = await loadGpuNode(ctx.repoRoot);
    const { documents } = project.rendered;
    const devicePlugin = project.component.spec.helm?.chart === DEVICE_PLUGIN_CHART;
    const findings: PlatformFinding[] = checkGpuWorkloads(documents, node, {
      runtimeWithoutGpu: (document) => devicePlugin && document.template !== undefined,
    });
    if (devicePlugin) {
      findings.push(
        ...checkDevicePluginScheduling(
          documents,
          node,
          `${project.component.dir}/${project.component.spec.helm!.values}`,
        ),
      );
    }
    for (const document of documents.filter((d) => d.object.kind === 'RuntimeClass')) {
      const name = (document.object.metadata as { name?: unknown } | undefined)?.name;
      if (name === NVIDIA_RUNTIME_CLASS && document.object.handler !== NVIDIA_RUNTIME_CLASS) {
        findings.push({
          file: document.file,
          ...(document.lineOf(['handler']) !== undefined ? { line: document.lineOf(['handler'])! } : {}),
          field: `RuntimeClass/${NVIDIA_RUNTIME_CLASS}: handler`,
          rule: 'gpu-runtime-class',
          message: `expected handler "${NVIDIA_RUNTIME_CLASS}" (the containerd runtime Talos' nvidia-container-toolkit registers)`,
        });
      }
    }
    if (documents.some((d) => isFluxKustomization(d.object))) {
      const components = await Promise.all(
        (await listComponents(ctx.repoRoot)).map((name) => loadComponent(ctx.repoRoot, name)),
      );
      const withSecrets = components.filter((c) => c.spec.secrets).map((c) => c.dir);
      findings.push(
        ...checkFluxKustomizations(
          documents,
          components.map((c) => c.dir),
          withSecrets,
        ),
      );
    }
    return findings.map((finding) => _fromPlatform(finding, 'infra'));
  });
}

/**
 * App secrets (`*.enc.yaml`): SOPS-encrypted with the kubernetes rule's settings, no plaintext value, the shape
 * component.yaml declares; and no Secret with values in any other manifest. A declared secret this checkout lacks
 * is checked as a stand-in the real sops encrypted for this run.
 */
export function kubernetesAppSecrets(ctx: ValidationContext, load: Load): Promise<Finding[]> {
  return _guard(ctx, async () => {
    const project = await load();
    return checkAppSecrets(
      project.rendered.documents,
      project.component,
      KUBERNETES_SECRETS_RULE.encrypted_regex,
    ).map((finding) => _fromPlatform(finding, 'sops'));
  });
}

/**
 * checkov's Kubernetes checks on what will be applied. Skips, each with its reason: `checkov.io/skip<N>`
 * annotations in plain manifests, `checkov.skip` in component.yaml for chart output.
 */
export function kubernetesCheckov(ctx: ValidationContext, load: Load): Promise<Finding[]> {
  return _guard(ctx, async () => {
    const project = await load();
    const paths = [...project.files.keys()].filter(
      (path) => !project.files.get(path)!.every((d) => isFluxKustomization(d.object)),
    );
    if (paths.length === 0) return [];
    const scratchRoot = _commonRoot(paths);
    const skips = Object.keys(project.component.spec.checkov?.skip ?? {});
    const run = await runTool(
      'checkov',
      [
        '--directory',
        scratchRoot,
        '--config-file',
        join(ctx.repoRoot, '.checkov.yaml'),
        '--framework',
        'kubernetes',
        '--output',
        'json',
        '--quiet',
        '--compact',
        '--skip-download',
        ...(skips.length > 0 ? ['--skip-check', skips.join(',')] : []),
      ],
      { cwd: ctx.repoRoot, env: { ...ctx.env, BC_SKIP_MAPPING: 'TRUE' } },
    );
    const findings = parseCheckov(run.stdout, (path) => path, scratchRoot);
    if (findings === undefined) {
      return [
        {
          file: toRepoPath(ctx.repoRoot, ctx.projectRoot),
          rule: 'checkov',
          severity: 'error',
          message: `checkov failed (exit ${run.exitCode}): ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' ')}`,
          tool: 'checkov',
        },
      ];
    }
    return findings.map((finding) => {
      const document = project.files.get(finding.file)?.[0];
      if (!document) return { ...finding, file: toRepoPath(ctx.repoRoot, finding.file) };
      if (!document.template) return { ...finding, file: document.file };
      // Rendered chart output has no line the user edits: name the template instead.
      const { line: _line, ...rest } = finding;
      return {
        ...rest,
        file: document.file,
        message: `${finding.message} (rendered from ${document.template})`,
      };
    });
  });
}

function _commonRoot(paths: readonly string[]): string {
  let root = dirname(paths[0]!);
  while (paths.some((path) => relative(root, path).startsWith('..'))) root = dirname(root);
  return root;
}
