import { finding, type PlatformFinding } from './finding';
import type { GpuNode, Taint } from './gpu-node';
import type { FieldPath, ManifestDocument } from './manifests';
import {
  requiredAffinityMatches,
  type Toleration,
  unmatchedNodeSelector,
  untoleratedTaints,
} from './scheduling';
import { containersOf, workloadDocuments } from './workloads';

/** The extended resource the NVIDIA device plugin advertises. */
export const GPU_RESOURCE = 'nvidia.com/gpu';
/** The RuntimeClass (and containerd handler) Talos' nvidia-container-toolkit extension registers. */
export const NVIDIA_RUNTIME_CLASS = 'nvidia';

/** The commands of the chart's containers that must run on the GPU node. */
const GPU_DAEMONS = ['nvidia-device-plugin', 'gpu-feature-discovery'];

const _taint = (t: Taint) => `${t.key}${t.value !== undefined ? `=${t.value}` : ''}:${t.effect}`;

/**
 * GPU workload rules, for every object with a pod spec:
 * - a container that requests `nvidia.com/gpu` must set it in `limits` (an extended resource is allocated by
 *   its limit; a request alone is rejected by the API server);
 * - a pod with a GPU limit must run with `runtimeClassName: nvidia`, or the container sees no driver;
 * - a pod with the nvidia runtime but no GPU limit sees every GPU behind the scheduler's back (the toolkit
 *   exposes all devices when the device plugin allocated none), unless it is the device plugin itself
 *   (`runtimeWithoutGpu` says which objects may);
 * - a GPU pod must tolerate the GPU node's taints and select only labels the GPU node has.
 */
export function checkGpuWorkloads(
  documents: readonly ManifestDocument[],
  node: GpuNode,
  options: { runtimeWithoutGpu?: (document: ManifestDocument) => boolean } = {},
): PlatformFinding[] {
  const findings: PlatformFinding[] = [];
  for (const { document, pod } of workloadDocuments(documents)) {
    let gpuLimited = false;
    for (const { path, container } of containersOf(pod)) {
      const resources = (container.resources ?? {}) as {
        requests?: Record<string, unknown>;
        limits?: Record<string, unknown>;
      };
      const limit = resources.limits?.[GPU_RESOURCE];
      const request = resources.requests?.[GPU_RESOURCE];
      if (limit !== undefined) gpuLimited = true;
      if (request !== undefined && limit === undefined) {
        findings.push(
          finding(
            document,
            [...path, 'resources', 'limits'],
            'gpu-limit',
            `container "${String(container.name)}" requests ${GPU_RESOURCE} but sets no ${GPU_RESOURCE} limit; set resources.limits["${GPU_RESOURCE}"] (requests may be left out: they default to the limit)`,
          ),
        );
        gpuLimited = true;
      }
    }
    const runtime = pod.spec.runtimeClassName;
    if (gpuLimited && runtime !== NVIDIA_RUNTIME_CLASS) {
      findings.push(
        finding(
          document,
          [...pod.path, ...(runtime === undefined ? [] : ['runtimeClassName'])],
          'gpu-runtime-class',
          `a pod that uses ${GPU_RESOURCE} must set runtimeClassName: ${NVIDIA_RUNTIME_CLASS} (found ${runtime === undefined ? 'none' : JSON.stringify(runtime)}); without the nvidia runtime the container gets no driver`,
        ),
      );
    }
    if (!gpuLimited && runtime === NVIDIA_RUNTIME_CLASS && !options.runtimeWithoutGpu?.(document)) {
      findings.push(
        finding(
          document,
          [...pod.path, 'runtimeClassName'],
          'gpu-limit',
          `runtimeClassName: ${NVIDIA_RUNTIME_CLASS} without a ${GPU_RESOURCE} limit exposes every GPU outside the scheduler; add resources.limits["${GPU_RESOURCE}"]: 1 to the container that uses the GPU`,
        ),
      );
    }
    if (gpuLimited)
      findings.push(...checkSchedulesOnGpuNode(document, pod.path, pod.spec, node, 'gpu-scheduling'));
  }
  return findings;
}

/** Whether a pod spec can land on the GPU node: tolerations cover its taints, nodeSelector and affinity match. */
export function checkSchedulesOnGpuNode(
  document: ManifestDocument,
  podPath: FieldPath,
  spec: Record<string, unknown>,
  node: GpuNode,
  rule: string,
): PlatformFinding[] {
  const findings: PlatformFinding[] = [];
  const tolerations = (Array.isArray(spec.tolerations) ? spec.tolerations : []) as Toleration[];
  const missing = untoleratedTaints(tolerations, node);
  if (missing.length > 0) {
    findings.push(
      finding(
        document,
        [...podPath, 'tolerations'],
        rule,
        `tolerations do not match the GPU node's taint ${missing.map(_taint).join(', ')} (talos/patches/nvidia-gpu-node.yaml), so the pod cannot be scheduled on the GPU node; add a toleration {key: ${missing[0]!.key}, operator: Exists, effect: ${missing[0]!.effect}}`,
      ),
    );
  }
  const selector = (spec.nodeSelector ?? {}) as Record<string, unknown>;
  const unmatched = unmatchedNodeSelector(selector, node);
  if (unmatched.length > 0) {
    findings.push(
      finding(
        document,
        [...podPath, 'nodeSelector'],
        rule,
        `nodeSelector ${unmatched.join(', ')} is not a label of the GPU node (it has ${Object.entries(
          node.labels,
        )
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}, talos/patches/nvidia-gpu-node.yaml)`,
      ),
    );
  }
  if (!requiredAffinityMatches(spec.affinity, node)) {
    findings.push(
      finding(
        document,
        [...podPath, 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution'],
        rule,
        'no required node-affinity term matches the GPU node labels (talos/patches/nvidia-gpu-node.yaml)',
      ),
    );
  }
  return findings;
}

/**
 * The device plugin must run on the GPU node: every DaemonSet it renders is checked against the GPU node's
 * taints and labels. No DaemonSet at all is an error too (nothing would advertise the GPU).
 */
export function checkDevicePluginScheduling(
  documents: readonly ManifestDocument[],
  node: GpuNode,
  valuesFile: string,
): PlatformFinding[] {
  // The DaemonSets that advertise or label the GPU; the chart's MPS control daemon only runs where MPS sharing
  // labelled a node nvidia.com/mps.capable, by design.
  const daemonSets = workloadDocuments(documents).filter(
    ({ document, pod }) =>
      document.object.kind === 'DaemonSet' &&
      containersOf(pod).some(({ container }) =>
        GPU_DAEMONS.includes(String((container.command as unknown[] | undefined)?.[0] ?? '')),
      ),
  );
  if (daemonSets.length === 0) {
    return [
      {
        file: valuesFile,
        field: 'devicePlugin.enabled',
        rule: 'device-plugin-scheduling',
        message:
          'the device plugin chart rendered no device plugin DaemonSet, so nothing advertises nvidia.com/gpu',
      },
    ];
  }
  return daemonSets.flatMap(({ document, pod }) =>
    checkSchedulesOnGpuNode(document, pod.path, pod.spec, node, 'device-plugin-scheduling'),
  );
}
