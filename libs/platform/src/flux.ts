import { z } from 'zod';
import type { PlatformFinding } from './finding';
import type { ManifestDocument } from './manifests';

/**
 * Flux's Kustomization (kustomize.toolkit.fluxcd.io/v1), strict: the Kubernetes schemas have no CRDs, so this is
 * the offline check of kubernetes/flux. The fields follow Flux's API reference for v1 (spec fields a homelab
 * uses; anything else, or a misspelling, is an error: add the field here when you start using it).
 */
const duration = z.string().regex(/^(\d+(ms|s|m|h))+$/, 'expected a Go duration like "10m"');
const fluxKustomizationSchema = z.strictObject({
  apiVersion: z.literal('kustomize.toolkit.fluxcd.io/v1'),
  kind: z.literal('Kustomization'),
  metadata: z.strictObject({
    name: z.string().min(1),
    namespace: z.string().min(1),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    interval: duration,
    retryInterval: duration.optional(),
    timeout: duration.optional(),
    path: z
      .string()
      .regex(/^\.\/[\w./-]*$/, 'expected a path from the repository root like ./kubernetes/ollama'),
    prune: z.boolean(),
    wait: z.boolean().optional(),
    suspend: z.boolean().optional(),
    force: z.boolean().optional(),
    targetNamespace: z.string().optional(),
    serviceAccountName: z.string().optional(),
    sourceRef: z.strictObject({
      kind: z.enum(['GitRepository', 'OCIRepository', 'Bucket']),
      name: z.string().min(1),
      namespace: z.string().optional(),
      apiVersion: z.string().optional(),
    }),
    dependsOn: z
      .array(z.strictObject({ name: z.string().min(1), namespace: z.string().optional() }))
      .optional(),
    decryption: z
      .strictObject({
        provider: z.literal('sops'),
        secretRef: z.strictObject({ name: z.string().min(1) }).optional(),
      })
      .optional(),
    postBuild: z
      .strictObject({
        substitute: z.record(z.string(), z.string()).optional(),
        substituteFrom: z
          .array(
            z.strictObject({
              kind: z.enum(['ConfigMap', 'Secret']),
              name: z.string(),
              optional: z.boolean().optional(),
            }),
          )
          .optional(),
      })
      .optional(),
  }),
});

export const isFluxKustomization = (object: Record<string, unknown>) =>
  object.kind === 'Kustomization' &&
  String(object.apiVersion ?? '').startsWith('kustomize.toolkit.fluxcd.io/');

/**
 * Flux Kustomizations against the strict schema above; their `spec.path` must be a component folder, and one
 * whose component holds SOPS-encrypted app secrets (`withSecrets`) must decrypt them with an age key Secret:
 * without `decryption`, Flux would apply the ciphertext as the Secret's values.
 */
export function checkFluxKustomizations(
  documents: readonly ManifestDocument[],
  componentDirs: readonly string[],
  withSecrets: readonly string[] = [],
): PlatformFinding[] {
  const findings: PlatformFinding[] = [];
  for (const document of documents.filter((d) => isFluxKustomization(d.object))) {
    const parsed = fluxKustomizationSchema.safeParse(document.object);
    const name = String((document.object.metadata as { name?: unknown } | undefined)?.name ?? '?');
    const at = (path: readonly PropertyKey[]) => {
      const keys = path.filter((p): p is string | number => typeof p !== 'symbol');
      const line = document.lineOf(keys);
      return {
        file: document.file,
        ...(line !== undefined ? { line } : {}),
        field: `Kustomization/${name}: ${keys.join('.')}`,
      };
    };
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        // An unknown key is named by its own path, so the line is the key's.
        const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
        findings.push({
          ...at(path),
          rule: 'flux-schema',
          message: `${issue.message} (Flux kustomize.toolkit.fluxcd.io/v1)`,
        });
      }
      continue;
    }
    const target = parsed.data.spec.path.replace(/^\.\//, '').replace(/\/$/, '');
    if (!componentDirs.includes(target)) {
      findings.push({
        ...at(['spec', 'path']),
        rule: 'flux-path',
        message: `${parsed.data.spec.path} is not a component folder (known: ${componentDirs.join(', ')})`,
      });
    }
    if (withSecrets.includes(target) && !parsed.data.spec.decryption?.secretRef) {
      findings.push({
        ...at(['spec', ...(parsed.data.spec.decryption ? ['decryption'] : [])]),
        rule: 'flux-decryption',
        message: `${target} holds SOPS-encrypted app secrets: set decryption: {provider: sops, secretRef: {name: sops-age}}, or Flux applies their ciphertext`,
      });
    }
  }
  return findings;
}
