import { InfraError } from '@infra/core';
import { listComponents, loadComponent } from './component';
import type { PlatformErrorCode } from './errors';
import { parseManifests } from './manifests';
import { type RenderedComponent, renderComponent, type ToolRunner } from './render';
import { clusterVersions } from './versions';

/** One entry of the control plane's `cluster.inlineManifests` (the Talos machine-config field's shape). */
export interface InlineManifest {
  name: string;
  contents: string;
}

export interface ClusterOptions {
  repoRoot: string;
  /** infra.config.yaml environment (Kubernetes and Talos versions). */
  environment: string;
  env: Record<string, string | undefined>;
  run: ToolRunner;
}

/** Every `delivery: cluster-critical` component, rendered (the set the validator checks). */
export async function renderClusterCriticalComponents(options: ClusterOptions): Promise<RenderedComponent[]> {
  const { kubernetesVersion } = await clusterVersions(options.repoRoot, options.environment);
  const rendered: RenderedComponent[] = [];
  for (const name of await listComponents(options.repoRoot)) {
    const component = await loadComponent(options.repoRoot, name);
    if (component.spec.delivery !== 'cluster-critical') continue;
    rendered.push(await renderComponent(component, { ...options, kubernetesVersion }));
  }
  // Plain manifests (the RuntimeClass) before charts (the device plugin, whose pods name that class), so
  // Talos applies them in that order at bootstrap.
  return rendered.sort(
    (a, b) => Number(Boolean(a.component.spec.helm)) - Number(Boolean(b.component.spec.helm)),
  );
}

/** A rendered component as the text Talos applies: its documents, separated by `---`. */
export function inlineManifestOf(rendered: RenderedComponent): InlineManifest {
  const contents = rendered.documents.map((d) => d.text.replace(/^# Source: .*\n/m, '')).join('---\n');
  return { name: rendered.component.name, contents };
}

/**
 * The cluster-critical set (the nvidia RuntimeClass, the device plugin) as `cluster.inlineManifests` entries for
 * the control plane's machine config: the talos-cluster module's `inline_manifests` input. A component whose
 * files do not parse stops here with the file named, so a broken manifest never reaches a machine config.
 */
export async function renderClusterCritical(options: ClusterOptions): Promise<InlineManifest[]> {
  const rendered = await renderClusterCriticalComponents(options);
  const problem = rendered.flatMap((r) => r.problems)[0];
  if (problem) {
    throw new InfraError<PlatformErrorCode>(
      'PLATFORM_MANIFEST_INVALID',
      `${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`,
      {
        hint: `run: ./infra validate kubernetes ${rendered[0]?.component.dir ?? 'kubernetes/<component>'}`,
      },
    );
  }
  return rendered.map(inlineManifestOf);
}

export interface InlineManifestProblem {
  /** The entry's index and name: `cluster.inlineManifests[1] (nvidia-device-plugin)`. */
  field: string;
  message: string;
}

/**
 * Talos applies `cluster.inlineManifests` as they are, at bootstrap, with no schema check of its own. Each entry
 * must be valid Kubernetes YAML, have a unique name, and be exactly what a validated cluster-critical component
 * renders to (so nothing unvalidated rides along in a machine config).
 */
export function checkInlineManifests(
  entries: readonly InlineManifest[],
  validated: readonly InlineManifest[],
): InlineManifestProblem[] {
  const problems: InlineManifestProblem[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const field = `cluster.inlineManifests[${index}] (${entry.name})`;
    if (seen.has(entry.name)) problems.push({ field, message: `the name "${entry.name}" is used twice` });
    seen.add(entry.name);
    const parsed = parseManifests(entry.contents, field, { locate: false });
    for (const problem of parsed.problems) problems.push({ field, message: `contents: ${problem.message}` });
    for (const document of parsed.documents) {
      const { apiVersion, kind, metadata } = document.object as {
        apiVersion?: unknown;
        kind?: unknown;
        metadata?: { name?: unknown };
      };
      if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof metadata?.name !== 'string') {
        problems.push({
          field,
          message: `contents: document ${document.index + 1} lacks apiVersion, kind or metadata.name`,
        });
      }
    }
    const expected = validated.find((v) => v.name === entry.name);
    if (!expected) {
      problems.push({
        field,
        message: `"${entry.name}" is not a validated cluster-critical component (known: ${validated.map((v) => v.name).join(', ') || 'none'})`,
      });
    } else if (expected.contents !== entry.contents) {
      problems.push({
        field,
        message: `contents differ from what kubernetes/${entry.name} renders to; regenerate them with renderClusterCritical`,
      });
    }
  });
  return problems;
}
