import { describe, expect, it } from 'vitest';
import { forKubeconform, isSchemaVersionDir, kubeconformSchemaLocation } from './kubernetes-schemas';

describe('forKubeconform', () => {
  it("drops the top-level $id and makes the definitions ref relative (kubernetes-validate's layout)", () => {
    // The shape of v1.36.0-local-strict/deployment-apps-v1.json in kubernetes-validate 1.37.0.
    const schema = {
      $id: 'https://kubernetes.io/api/deployment/apps/v1',
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      additionalProperties: false,
      properties: {
        spec: { $ref: '/api/_definitions.json#/$defs/io.k8s.api.apps.v1.DeploymentSpec' },
        list: { items: [{ $ref: '/api/_definitions.json#/$defs/a' }] },
        local: { $ref: '#/$defs/local' },
        // An example value that happens to be called $id stays: only the document's own $id goes.
        example: { $id: 'kept' },
      },
    };
    expect(forKubeconform(schema)).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      additionalProperties: false,
      properties: {
        spec: { $ref: '_definitions.json#/$defs/io.k8s.api.apps.v1.DeploymentSpec' },
        list: { items: [{ $ref: '_definitions.json#/$defs/a' }] },
        local: { $ref: '#/$defs/local' },
        example: { $id: 'kept' },
      },
    });
    expect(schema.$id).toBe('https://kubernetes.io/api/deployment/apps/v1');
  });

  it('keeps scalars and arrays as they are', () => {
    expect(forKubeconform(['a', 1, null])).toEqual(['a', 1, null]);
    expect(forKubeconform('x')).toBe('x');
  });
});

describe('layout', () => {
  it('matches the version folders kubeconform resolves, and the -schema-location template for them', () => {
    expect(isSchemaVersionDir('v1.36.0-local-strict')).toBe(true);
    expect(isSchemaVersionDir('v1.36.0-local')).toBe(true);
    expect(isSchemaVersionDir('v1.36.0-standalone')).toBe(false);
    expect(kubeconformSchemaLocation('/c/share/kubernetes-schemas')).toBe(
      '/c/share/kubernetes-schemas/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json',
    );
  });
});
