import { describe, expect, it } from 'vitest';
import { gpuNodeFromPatch } from './gpu-node';
import { parseManifests } from './manifests';
import { checkDevicePluginScheduling, checkGpuWorkloads } from './rules';

const NODE = gpuNodeFromPatch(
  [
    'machine:',
    '  nodeLabels:',
    '    nvidia.com/gpu.present: "true"',
    '  kubelet:',
    '    extraArgs:',
    '      register-with-taints: nvidia.com/gpu=present:NoSchedule',
    '',
  ].join('\n'),
);

const pod = (spec: string[]) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: app',
    '  namespace: apps',
    'spec:',
    '  template:',
    '    spec:',
    ...spec.map((line) => `      ${line}`),
    '',
  ].join('\n');

const GOOD = [
  'runtimeClassName: nvidia',
  'nodeSelector:',
  '  nvidia.com/gpu.present: "true"',
  'tolerations:',
  '  - { key: nvidia.com/gpu, operator: Equal, value: present, effect: NoSchedule }',
  'containers:',
  '  - name: app',
  '    resources:',
  '      limits:',
  '        nvidia.com/gpu: 1',
];

const check = (text: string) =>
  checkGpuWorkloads(parseManifests(text, 'kubernetes/app/deployment.yaml').documents, NODE);

describe('checkGpuWorkloads', () => {
  it('accepts a GPU pod with the limit, the nvidia runtime and the GPU node toleration', () => {
    expect(check(pod(GOOD))).toEqual([]);
  });

  it('names the file, line and field of a GPU pod without runtimeClassName', () => {
    const findings = check(pod(GOOD.filter((line) => !line.startsWith('runtimeClassName'))));
    expect(findings).toEqual([
      expect.objectContaining({
        file: 'kubernetes/app/deployment.yaml',
        line: 8,
        field: 'Deployment/apps/app: spec.template.spec',
        rule: 'gpu-runtime-class',
      }),
    ]);
    expect(findings[0]!.message).toContain('must set runtimeClassName: nvidia (found none)');
  });

  it('flags a wrong runtimeClassName at its line', () => {
    const findings = check(
      pod(GOOD.map((line) => line.replace('runtimeClassName: nvidia', 'runtimeClassName: runc'))),
    );
    expect(findings).toEqual([
      expect.objectContaining({ line: 9, field: 'Deployment/apps/app: spec.template.spec.runtimeClassName' }),
    ]);
  });

  it('requires the GPU in limits when it is requested', () => {
    const findings = check(pod(GOOD.map((line) => line.replace('limits:', 'requests:'))));
    expect(findings.map((f) => [f.rule, f.field])).toEqual([
      ['gpu-limit', 'Deployment/apps/app: spec.template.spec.containers[0].resources.limits'],
    ]);
  });

  it('flags the nvidia runtime without a GPU limit (it would see every GPU)', () => {
    const findings = check(pod(GOOD.slice(0, -3)));
    expect(findings.map((f) => f.rule)).toEqual(['gpu-limit']);
    expect(findings[0]!.message).toContain('exposes every GPU');
  });

  it('lets the exempted objects (the device plugin) use the runtime without a GPU', () => {
    const { documents } = parseManifests(pod(GOOD.slice(0, -3)), 'f.yaml');
    expect(checkGpuWorkloads(documents, NODE, { runtimeWithoutGpu: () => true })).toEqual([]);
  });

  it('flags a GPU pod that cannot be scheduled on the tainted GPU node', () => {
    const findings = check(pod(GOOD.map((line) => line.replace('value: present', 'value: yes'))));
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'gpu-scheduling',
        field: 'Deployment/apps/app: spec.template.spec.tolerations',
        line: 12,
      }),
    ]);
    expect(findings[0]!.message).toContain("don't match".replace("don't", 'do not'));
    expect(findings[0]!.message).toContain('nvidia.com/gpu=present:NoSchedule');
  });

  it('flags a nodeSelector the GPU node does not have', () => {
    const findings = check(
      pod(GOOD.map((line) => line.replace('nvidia.com/gpu.present: "true"', 'gpu: rtx'))),
    );
    expect(findings.map((f) => [f.rule, f.field])).toEqual([
      ['gpu-scheduling', 'Deployment/apps/app: spec.template.spec.nodeSelector'],
    ]);
  });
});

describe('checkDevicePluginScheduling', () => {
  const daemonSet = (tolerations: string[], affinity: string[] = []) =>
    [
      'apiVersion: apps/v1',
      'kind: DaemonSet',
      'metadata: { name: nvidia-device-plugin, namespace: gpu }',
      'spec:',
      '  template:',
      '    spec:',
      '      containers: [{ name: plugin, command: [nvidia-device-plugin] }]',
      '      tolerations:',
      ...tolerations.map((t) => `        - ${t}`),
      ...affinity.map((a) => `      ${a}`),
      '',
    ].join('\n');
  const run = (text: string) =>
    checkDevicePluginScheduling(
      parseManifests(text, 'values.yaml', { locate: false }).documents,
      NODE,
      'values.yaml',
    );

  it('accepts Exists on the taint key, and the chart default (CriticalAddonsOnly + nvidia.com/gpu Exists)', () => {
    expect(run(daemonSet(['{ key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }']))).toEqual([]);
    expect(run(daemonSet(['{ operator: Exists }']))).toEqual([]);
  });

  it('fails when the tolerations do not match the taint, naming the values file and the field', () => {
    const findings = run(
      daemonSet(['{ key: nvidia.com/gpu, operator: Equal, value: "true", effect: NoSchedule }']),
    );
    expect(findings).toEqual([
      expect.objectContaining({
        file: 'values.yaml',
        field: 'DaemonSet/gpu/nvidia-device-plugin: spec.template.spec.tolerations',
        rule: 'device-plugin-scheduling',
      }),
    ]);
    expect(findings[0]).not.toHaveProperty('line');
  });

  it('fails when the required node affinity excludes the GPU node', () => {
    const affinity = [
      'affinity:',
      '  nodeAffinity:',
      '    requiredDuringSchedulingIgnoredDuringExecution:',
      '      nodeSelectorTerms:',
      '        - matchExpressions:',
      '            - { key: feature.node.kubernetes.io/pci-10de.present, operator: In, values: ["true"] }',
    ];
    const findings = run(daemonSet(['{ operator: Exists }'], affinity));
    expect(findings.map((f) => f.field)).toEqual([
      'DaemonSet/gpu/nvidia-device-plugin: spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution',
    ]);
  });

  it('fails when the chart renders no DaemonSet', () => {
    expect(run('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n').map((f) => f.field)).toEqual([
      'devicePlugin.enabled',
    ]);
  });
});
