import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GPU_NODE_PATCH, gpuNodeFromPatch, parseRegisterWithTaints } from './gpu-node';

describe('the GPU node patch', () => {
  it('reads the label and taint from the repo patch (the one place they are defined)', () => {
    const node = gpuNodeFromPatch(
      readFileSync(join(import.meta.dirname, '../../..', GPU_NODE_PATCH), 'utf8'),
    );
    expect(node).toEqual({
      labels: { 'nvidia.com/gpu.present': 'true' },
      taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
    });
  });

  it('parses the kubelet taint syntax, with and without a value', () => {
    expect(parseRegisterWithTaints('a=b:NoSchedule, c:NoExecute')).toEqual([
      { key: 'a', value: 'b', effect: 'NoSchedule' },
      { key: 'c', effect: 'NoExecute' },
    ]);
    expect(parseRegisterWithTaints('a=b:Never')).toContain('is not key[=value]:Effect');
  });

  it('names the file and field of a bad taint', () => {
    const text =
      'machine:\n  nodeLabels: { a: "1" }\n  kubelet:\n    extraArgs:\n      register-with-taints: nope\n';
    expect(() => gpuNodeFromPatch(text)).toThrow(
      /talos\/patches\/nvidia-gpu-node\.yaml: machine\.kubelet\.extraArgs\.register-with-taints: "nope"/,
    );
  });
});
