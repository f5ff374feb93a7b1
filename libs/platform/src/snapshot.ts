import { InfraError } from '@infra/core';
import { stringify } from 'yaml';
import { appSecretManifest } from './app-secrets';
import { inlineManifestOf } from './cluster-critical';
import { type Delivery, listComponents, loadComponent } from './component';
import type { PlatformErrorCode } from './errors';
import { type RenderedComponent, renderComponent, renderedText, type ToolRunner } from './render';
import { clusterVersions } from './versions';

const NOT_IN_CHECKOUT = '(not in this checkout: create it, kubernetes/README.md "App secrets")';

export interface SnapshotOptions {
  repoRoot: string;
  environment: string;
  env: Record<string, string | undefined>;
  run: ToolRunner;
  /** Component names; default every component. */
  only?: readonly string[];
}

export interface SnapshotEntry {
  name: string;
  delivery: Delivery | 'machine-config';
  /** Exactly what gets applied: the component's objects, or the control plane's inlineManifests patch. */
  text: string;
}

/**
 * What the platform applies, one entry per component plus `cluster.inlineManifests` (the patch the control
 * plane's machine config gets). A component that does not render stops here with its file named.
 */
export async function platformSnapshot(options: SnapshotOptions): Promise<SnapshotEntry[]> {
  const { kubernetesVersion } = await clusterVersions(options.repoRoot, options.environment);
  const names = await listComponents(options.repoRoot);
  const unknown = (options.only ?? []).filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw new InfraError<PlatformErrorCode>(
      'PLATFORM_COMPONENT_NOT_FOUND',
      `no component ${unknown.join(', ')} under kubernetes/`,
      {
        hint: `components: ${names.join(', ')}`,
      },
    );
  }
  const rendered: RenderedComponent[] = [];
  for (const name of names) {
    const component = await loadComponent(options.repoRoot, name);
    const result = await renderComponent(component, {
      ...options,
      kubernetesVersion,
      // A declared app secret this checkout lacks is shown as its shape with no values, the same every time
      // (a random stand-in would make every diff show a change).
      appSecretStandIn: async ({ secret }) =>
        appSecretManifest(
          secret,
          Object.fromEntries(Object.keys(secret.keys).map((key) => [key, NOT_IN_CHECKOUT])),
        ),
    });
    const problem = result.problems[0];
    if (problem) {
      throw new InfraError<PlatformErrorCode>(
        'PLATFORM_MANIFEST_INVALID',
        `${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`,
        { hint: `./infra validate kubernetes ${component.dir}` },
      );
    }
    rendered.push(result);
  }
  const entries: SnapshotEntry[] = rendered
    .filter((r) => !options.only?.length || options.only.includes(r.component.name))
    .map((r) => ({ name: r.component.name, delivery: r.component.spec.delivery, text: renderedText(r) }));
  const critical = rendered
    .filter((r) => r.component.spec.delivery === 'cluster-critical')
    .sort((a, b) => Number(Boolean(a.component.spec.helm)) - Number(Boolean(b.component.spec.helm)));
  if (!options.only?.length || critical.some((r) => options.only?.includes(r.component.name))) {
    entries.push({
      name: 'cluster.inlineManifests',
      delivery: 'machine-config',
      text: stringify({ cluster: { inlineManifests: critical.map(inlineManifestOf) } }, { lineWidth: 0 }),
    });
  }
  return entries;
}
