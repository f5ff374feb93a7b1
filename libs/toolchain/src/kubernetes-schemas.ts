/**
 * kubernetes-validate ships the Kubernetes JSON schemas (v1.25-v1.37, `-local` and `-local-strict` per
 * version), but each file carries an `$id` under https://kubernetes.io/api/ and refers to
 * `/api/_definitions.json#/...`. kubeconform loads files by path, so those refs resolve against the `$id`
 * host and fail offline. Dropping `$id` and making the ref relative (`_definitions.json#/...`) lets kubeconform
 * use the tree as is, with KUBECONFORM_SCHEMA_LOCATION below. Pure; kubernetes-schemas-io.ts writes the tree.
 */

/** The folder inside the kubernetes_validate package. */
export const PACKAGE_SCHEMA_DIR = 'kubernetes-json-schema';

/** kubeconform's -schema-location for a schema root laid out like kubernetes-validate's. */
export function kubeconformSchemaLocation(root: string): string {
  return `${root}/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
}

const ABSOLUTE_DEFINITIONS = '/api/_definitions.json';

/** A copy of one schema document with `$id` dropped and the definitions ref made relative. */
export function forKubeconform(schema: unknown): unknown {
  const visit = (node: unknown, top: boolean): unknown => {
    if (Array.isArray(node)) return node.map((item) => visit(item, false));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (top && key === '$id') continue;
      if (key === '$ref' && typeof value === 'string' && value.startsWith(ABSOLUTE_DEFINITIONS)) {
        out[key] = `_definitions.json${value.slice(ABSOLUTE_DEFINITIONS.length)}`;
      } else {
        out[key] = visit(value, false);
      }
    }
    return out;
  };
  return visit(schema, true);
}

/** `v1.36.0-local-strict` and `v1.36.0-local`: the version folders kubeconform's template names. */
export function isSchemaVersionDir(name: string): boolean {
  return /^v\d+\.\d+\.\d+-local(-strict)?$/.test(name);
}
