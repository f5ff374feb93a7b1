import type { ClusterSpec } from '@infra/config';
import { describe, expect, it } from 'vitest';
import { checkClusterSpec } from './checks';

const env = { name: 'local', templates: { vmidRange: { start: 9000, end: 9099 } } };
const base = (nodes: Record<string, Partial<ClusterSpec['nodes'][string]>>): ClusterSpec => ({
  name: 'homelab',
  network: { prefixLength: 24, gateway: '192.168.1.1', dnsServers: [] },
  nodes: Object.fromEntries(
    Object.entries(nodes).map(([k, n], i) => [
      k,
      { role: 'worker', vmid: 201 + i, ip: `192.168.1.${21 + i}`, size: 'medium', gpu: false, ...n },
    ]),
  ) as ClusterSpec['nodes'],
  health: { timeout: '10m', skipKubernetesChecks: false },
});
const fail = (spec: ClusterSpec) => {
  try {
    checkClusterSpec(env, spec);
  } catch (error) {
    return error as { code: string; message: string; hint?: string };
  }
  throw new Error('expected a failure');
};

describe('checkClusterSpec', () => {
  it('accepts one control plane and a GPU worker, and three control planes', () => {
    expect(() =>
      checkClusterSpec(env, base({ 'cp-1': { role: 'controlplane' }, 'gpu-1': { gpu: true, size: 'gpu' } })),
    ).not.toThrow();
    expect(() =>
      checkClusterSpec(
        env,
        base({
          'cp-1': { role: 'controlplane' },
          'cp-2': { role: 'controlplane' },
          'cp-3': { role: 'controlplane' },
        }),
      ),
    ).not.toThrow();
  });

  it('refuses two control planes, naming the field and why', () => {
    const error = fail(base({ 'cp-1': { role: 'controlplane' }, 'cp-2': { role: 'controlplane' } }));
    expect(error.code).toBe('CLUSTER_CONTROL_PLANE_COUNT');
    expect(error.message).toBe(
      'infra.config.yaml: environments.local.cluster.nodes: 2 control planes (cp-1, cp-2); expected 1, 3 or 5',
    );
    expect(error.hint).toMatch(/majority/);
  });

  it('refuses an IP clash and a VMID clash', () => {
    const ip = fail(
      base({ 'cp-1': { role: 'controlplane', ip: '192.168.1.50' }, 'w-1': { ip: '192.168.1.50' } }),
    );
    expect(ip).toMatchObject({
      code: 'CLUSTER_IP_CLASH',
      message: expect.stringContaining('nodes.w-1.ip: 192.168.1.50 is already the address of cp-1'),
    });
    const vmid = fail(base({ 'cp-1': { role: 'controlplane', vmid: 300 }, 'w-1': { vmid: 300 } }));
    expect(vmid.code).toBe('CLUSTER_VMID_CLASH');
  });

  it('refuses a VMID in the template range, a GPU control plane, an unknown size, two GPU nodes', () => {
    expect(fail(base({ 'cp-1': { role: 'controlplane', vmid: 9001 } })).code).toBe(
      'CLUSTER_VMID_IN_TEMPLATE_RANGE',
    );
    expect(fail(base({ 'cp-1': { role: 'controlplane', gpu: true } })).code).toBe(
      'CLUSTER_GPU_ON_CONTROL_PLANE',
    );
    expect(fail(base({ 'cp-1': { role: 'controlplane', size: 'huge' } })).code).toBe('CLUSTER_UNKNOWN_SIZE');
    expect(fail(base({ 'cp-1': { role: 'controlplane' }, a: { gpu: true }, b: { gpu: true } })).code).toBe(
      'CLUSTER_TOO_MANY_GPU_NODES',
    );
  });
});
