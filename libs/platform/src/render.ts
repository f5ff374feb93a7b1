import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { type AppSecretStandIn, ENCRYPTED_MANIFEST, splitSopsMetadata } from './app-secrets';
import { chartArchive } from './chart';
import { type Component, KUSTOMIZATION_FILE } from './component';
import { type ManifestDocument, type ParseProblem, parseManifests } from './manifests';

export interface ToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}
/** Runs a real tool by name (helm) with the toolchain's environment; injected so rendering stays testable. */
export type ToolRunner = (tool: string, args: readonly string[]) => Promise<ToolResult>;

export interface RenderOptions {
  repoRoot: string;
  /** Environment that $INFRA_SOURCE_ARCHIVES is read from. */
  env: Record<string, string | undefined>;
  /** The cluster's Kubernetes version (Helm's .Capabilities.KubeVersion). */
  kubernetesVersion: string;
  run: ToolRunner;
  /** Encrypts a stand-in for a declared app secret that is not in this checkout; without it, that is a problem. */
  appSecretStandIn?: AppSecretStandIn;
}

export interface RenderedComponent {
  component: Component;
  /** Every object that will be applied, in apply order. */
  documents: ManifestDocument[];
  /** Files that do not parse, and GitOps layout mistakes: each one a finding. */
  problems: ParseProblem[];
}

/** Kustomize's file as far as Flux uses it here: a plain list of resources (anything else is an error). */
const kustomizationSchema = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  resources: z.array(z.string().regex(/^[\w./-]+\.ya?ml$/, 'expected a file of this folder')).min(1),
});

/**
 * What a component applies: its manifests (for a GitOps component exactly the kustomization's resources, in
 * that order) followed by its chart rendered with Helm.
 */
export async function renderComponent(
  component: Component,
  options: RenderOptions,
): Promise<RenderedComponent> {
  const problems: ParseProblem[] = [];
  const files = await _manifestOrder(component, options.repoRoot, problems);
  const documents: ManifestDocument[] = [];
  for (const file of files) {
    const read = await _readManifest(component, file, options, problems);
    if (read === undefined) continue;
    const { manifest, sops } = ENCRYPTED_MANIFEST.test(file)
      ? splitSopsMetadata(read.text)
      : { manifest: read.text, sops: undefined };
    const parsed = parseManifests(manifest, file);
    for (const document of parsed.documents) {
      documents.push({ ...document, ...(sops ? { sops } : {}), ...(read.standIn ? { standIn: true } : {}) });
    }
    problems.push(...parsed.problems);
  }
  if (component.spec.helm) {
    const rendered = await renderChart(component, options);
    documents.push(...rendered.documents);
    problems.push(...rendered.problems);
  }
  return { component, documents, problems };
}

/** `helm template` of the component's pinned chart with its values file (offline: a local archive). */
export async function renderChart(
  component: Component,
  options: RenderOptions,
): Promise<{ documents: ManifestDocument[]; problems: ParseProblem[] }> {
  const helm = component.spec.helm!;
  const valuesFile = `${component.dir}/${helm.values}`;
  const { path } = await chartArchive(options.repoRoot, helm.chart, options.env);
  const result = await options.run('helm', [
    'template',
    helm.release,
    path,
    '--namespace',
    helm.namespace,
    '--values',
    join(options.repoRoot, valuesFile),
    '--kube-version',
    options.kubernetesVersion,
  ]);
  if (result.exitCode !== 0) {
    const message = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ');
    return { documents: [], problems: [{ file: valuesFile, message: `helm template failed: ${message}` }] };
  }
  const template = (doc: string) => /^# Source: (.+)$/m.exec(doc)?.[1]?.trim();
  return parseManifests(result.stdout, valuesFile, { template, locate: false });
}

/** A manifest's text: the file, or for a declared app secret this checkout lacks, an encrypted stand-in. */
async function _readManifest(
  component: Component,
  file: string,
  options: RenderOptions,
  problems: ParseProblem[],
): Promise<{ text: string; standIn: boolean } | undefined> {
  if (component.manifestFiles.includes(file)) {
    try {
      return { text: await readFile(join(options.repoRoot, file), 'utf8'), standIn: false };
    } catch {
      problems.push({ file, message: 'cannot be read' });
      return undefined;
    }
  }
  const secret = component.spec.secrets?.[basename(file)];
  if (!secret) return undefined;
  if (!options.appSecretStandIn) {
    problems.push({
      file,
      message: `not in this checkout: create it, encrypted for your .sops.yaml kubernetes rule (kubernetes/README.md "App secrets")`,
    });
    return undefined;
  }
  return { text: await options.appSecretStandIn({ component, file, secret }), standIn: true };
}

/** Every file of the component that is applied: its manifests, and its declared app secrets (present or not). */
const _applied = (component: Component) => [
  ...new Set([
    ...component.manifestFiles,
    ...Object.keys(component.spec.secrets ?? {}).map((file) => `${component.dir}/${file}`),
  ]),
];

async function _manifestOrder(
  component: Component,
  repoRoot: string,
  problems: ParseProblem[],
): Promise<string[]> {
  const file = `${component.dir}/${KUSTOMIZATION_FILE}`;
  const text = await readFile(join(repoRoot, file), 'utf8').catch(() => undefined);
  const applied = _applied(component);
  if (text === undefined) return applied.sort();
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    problems.push({ file, message: `not valid YAML: ${(error as Error).message}` });
    return applied;
  }
  const parsed = kustomizationSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    problems.push({ file, message: `${issue.path.join('.') || '(top level)'}: ${issue.message}` });
    return applied;
  }
  const listed = parsed.data.resources.map((resource) => `${component.dir}/${resource.replace(/^\.\//, '')}`);
  for (const resource of listed.filter((path) => !applied.includes(path))) {
    problems.push({
      file,
      message: `resources: ${resource} is listed but is not a manifest of ${component.dir}`,
    });
  }
  for (const manifest of applied.filter((path) => !listed.includes(path))) {
    problems.push({
      file,
      message: `resources: ${manifest} is missing, so Flux would not apply it; list it (or delete the file)`,
    });
  }
  return listed.filter((path) => applied.includes(path));
}

/** A rendered component as one multi-document YAML text, each document headed by where it came from. */
export function renderedText(rendered: RenderedComponent): string {
  return rendered.documents
    .map(
      (d) =>
        `# From: ${d.file}${d.template ? ` (${d.template})` : ''}${d.standIn ? ' (not in this checkout: its shape only)' : ''}${d.sops ? ' (SOPS-encrypted; Flux decrypts it)' : ''}\n${d.text.replace(/^# Source: .*\n/m, '')}`,
    )
    .map((text) => (text.endsWith('\n') ? text : `${text}\n`))
    .join('---\n');
}
