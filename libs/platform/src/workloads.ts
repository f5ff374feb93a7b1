import type { FieldPath, ManifestDocument } from './manifests';

/** A pod spec inside an object, and where it sits. */
export interface PodSpecAt {
  path: FieldPath;
  spec: Record<string, unknown>;
}

const TEMPLATE_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'ReplicationController',
]);

/** The pod spec of a workload object (Pod, the template of a controller, a CronJob's job template), if any. */
export function podSpecOf(object: Record<string, unknown>): PodSpecAt | undefined {
  const get = (path: FieldPath): unknown =>
    path.reduce<unknown>(
      (node, key) => (node as Record<string | number, unknown> | undefined)?.[key],
      object,
    );
  const kind = String(object.kind ?? '');
  const path: FieldPath | undefined =
    kind === 'Pod'
      ? ['spec']
      : TEMPLATE_KINDS.has(kind)
        ? ['spec', 'template', 'spec']
        : kind === 'CronJob'
          ? ['spec', 'jobTemplate', 'spec', 'template', 'spec']
          : undefined;
  if (!path) return undefined;
  const spec = get(path);
  return spec && typeof spec === 'object' ? { path, spec: spec as Record<string, unknown> } : undefined;
}

export interface ContainerAt {
  path: FieldPath;
  container: Record<string, unknown>;
}

export function containersOf(pod: PodSpecAt): ContainerAt[] {
  return (['initContainers', 'containers'] as const).flatMap((list) =>
    Array.isArray(pod.spec[list])
      ? (pod.spec[list] as Record<string, unknown>[]).map((container, i) => ({
          path: [...pod.path, list, i],
          container,
        }))
      : [],
  );
}

export const workloadDocuments = (documents: readonly ManifestDocument[]) =>
  documents.flatMap((document) => {
    const pod = podSpecOf(document.object);
    return pod ? [{ document, pod }] : [];
  });
