import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError } from '@infra/core';
import { parse } from 'yaml';
import { z } from 'zod';
import type { PlatformErrorCode } from './errors';

/** Where the components live, relative to the repository root: one folder per component. */
export const KUBERNETES_DIR = 'kubernetes';
/** The file that makes a folder under kubernetes/ a component (and an Nx project). */
export const COMPONENT_FILE = 'component.yaml';
/** Kustomize's file: what Flux builds for a GitOps component; not a Kubernetes object itself. */
export const KUSTOMIZATION_FILE = 'kustomization.yaml';

/**
 * How a component reaches the cluster:
 * - `cluster-critical`: in the control plane's machine config (`cluster.inlineManifests`), applied by Talos at
 *   bootstrap (the RuntimeClass and the device plugin: nothing GPU works without them);
 * - `gitops`: reconciled by Flux from git (kubernetes/flux);
 * - `manual`: applied by hand when needed (the GPU smoke test).
 */
export const DELIVERIES = ['cluster-critical', 'gitops', 'manual'] as const;
export type Delivery = (typeof DELIVERIES)[number];

const nameSchema = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a DNS label like "nvidia"');

/** What a stand-in value of an app secret key looks like (the validator generates one per run; see app-secrets.ts). */
export const SECRET_VALUE_KINDS = ['ed25519-private-key', 'random-token'] as const;
export type SecretValueKind = (typeof SECRET_VALUE_KINDS)[number];

/**
 * An app Secret kept SOPS-encrypted next to the manifests (`<file>.enc.yaml`, only `data`/`stringData`
 * encrypted, the `.sops.yaml` kubernetes rule's recipients). Declared so that its shape is known when the file is
 * not in this checkout: every clone's own recipients encrypt it, so a fresh clone has none.
 */
export const appSecretSchema = z.strictObject({
  name: nameSchema,
  namespace: nameSchema,
  /** Each key of the Secret's stringData, and what its value is. */
  keys: z
    .record(
      z.string().regex(/^[-._a-zA-Z0-9]+$/, 'expected a Secret key like api-key'),
      z.enum(SECRET_VALUE_KINDS),
    )
    .refine((keys) => Object.keys(keys).length > 0, 'expected at least one key'),
});
export type AppSecret = z.infer<typeof appSecretSchema>;

export const componentSchema = z.strictObject({
  delivery: z.enum(DELIVERIES),
  /** A chart rendered with Helm; its version and archive checksum are pinned in mise.toml `[_.charts]`. */
  helm: z
    .strictObject({
      chart: nameSchema,
      release: nameSchema,
      namespace: nameSchema,
      /** The project's values file, relative to the component folder. */
      values: z.string().regex(/^[\w.-]+\.ya?ml$/, 'expected a file name like values.yaml'),
    })
    .optional(),
  /**
   * checkov checks skipped for this component, each with the reason a reviewer reads: for chart output, whose
   * objects cannot carry `checkov.io/skip` annotations (plain manifests use those instead).
   */
  checkov: z
    .strictObject({
      skip: z.record(
        z.string().regex(/^CKV2?_K8S_\d+$/, 'expected a checkov Kubernetes check id like CKV_K8S_43'),
        z.string().min(20, 'give the reason the check does not apply here'),
      ),
    })
    .optional(),
  /** SOPS-encrypted Secrets of this component, by file name (listed in kustomization.yaml like any manifest). */
  secrets: z
    .record(
      z.string().regex(/^[\w.-]+\.enc\.yaml$/, 'expected a file name like credentials.enc.yaml'),
      appSecretSchema,
    )
    .optional(),
});
export type ComponentSpec = z.infer<typeof componentSchema>;

export interface Component {
  name: string;
  /** Repository-relative folder, e.g. kubernetes/ollama. */
  dir: string;
  spec: ComponentSpec;
  /** Repository-relative paths of the plain manifests (every YAML file but component, kustomization, values). */
  manifestFiles: string[];
}

const isYaml = (file: string) => /\.ya?ml$/.test(file);

/** Reads kubernetes/<name>/component.yaml and lists the component's manifests. */
export async function loadComponent(repoRoot: string, name: string): Promise<Component> {
  const dir = `${KUBERNETES_DIR}/${name}`;
  const file = `${dir}/${COMPONENT_FILE}`;
  let text: string;
  try {
    text = await readFile(join(repoRoot, file), 'utf8');
  } catch {
    throw new InfraError<PlatformErrorCode>('PLATFORM_COMPONENT_NOT_FOUND', `${file} does not exist`, {
      hint: `a component is a folder under ${KUBERNETES_DIR}/ with a ${COMPONENT_FILE} (see kubernetes/README.md)`,
    });
  }
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (error) {
    throw new InfraError<PlatformErrorCode>(
      'PLATFORM_COMPONENT_INVALID',
      `${file}: not valid YAML: ${(error as Error).message}`,
      {
        hint: 'fix the YAML syntax',
      },
    );
  }
  const parsed = componentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InfraError<PlatformErrorCode>(
      'PLATFORM_COMPONENT_INVALID',
      `${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
      {
        hint: `fields: delivery (${DELIVERIES.join(' | ')}), helm {chart, release, namespace, values}, checkov {skip}, secrets {<file>.enc.yaml: {name, namespace, keys}}`,
      },
    );
  }
  const entries = await readdir(join(repoRoot, dir), { recursive: true });
  const skip = new Set([
    COMPONENT_FILE,
    KUSTOMIZATION_FILE,
    ...(parsed.data.helm ? [parsed.data.helm.values] : []),
  ]);
  const manifestFiles = entries
    .map(String)
    .filter((entry) => isYaml(entry) && !skip.has(entry))
    .sort()
    .map((entry) => `${dir}/${entry}`);
  return { name, dir, spec: parsed.data, manifestFiles };
}

/** Every component folder name under kubernetes/ (folders with a component.yaml), sorted. */
export async function listComponents(repoRoot: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(join(repoRoot, KUBERNETES_DIR));
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const entry of entries.sort()) {
    const has = await readFile(join(repoRoot, KUBERNETES_DIR, entry, COMPONENT_FILE)).then(
      () => true,
      () => false,
    );
    if (has) names.push(entry);
  }
  return names;
}
