import { type Environment, loadEnvironment } from '@infra/config';
import { isInfraError } from '@infra/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PortProbe } from './reachability';
import { type ClusterDeployRequest, type ClusterUpOptions, clusterUp } from './up';

/**
 * The stage's bad-input acceptance: each case fails with one typed error naming the field, and nothing is
 * created: the deploy stage (tofu) is never called and the Proxmox client only read.
 */
const REPO = new URL('../../..', import.meta.url).pathname;
const SCHEMATIC = 'a31d81eceab05afdc2c59b0002701173e117a5fb81bdc1f64062d27655145848';

let prod: Environment;
beforeAll(async () => {
  prod = await loadEnvironment('prod', { cwd: REPO });
});

function harness(overrides: { mapping?: boolean; answering?: string[]; vms?: unknown[] } = {}) {
  const reads: string[] = [];
  const deploys: ClusterDeployRequest[] = [];
  const client = {
    clusterResources: async (type?: string) => {
      reads.push(`GET /cluster/resources?type=${type}`);
      return type === 'node'
        ? [{ id: 'node/pve', type: 'node', node: 'pve', status: 'online' }]
        : (overrides.vms ?? []);
    },
    pciMappings: async () => {
      reads.push('GET /cluster/mapping/pci');
      return overrides.mapping === false ? [] : [{ id: 'rtx4000ada', map: [] }];
    },
  } as unknown as ClusterUpOptions['client'];
  const probe: PortProbe = async (host) => (overrides.answering ?? []).includes(host);
  return {
    reads,
    deploys,
    options: (environment: Environment, talosVersion = environment.talos.version): ClusterUpOptions => ({
      environment,
      template: { fingerprintTag: 'fp-0123456789abcdef01234567', schematicId: SCHEMATIC, talosVersion },
      client,
      probe,
      deploy: async (request) => {
        deploys.push(request);
        throw new Error('deploy must not run for bad input');
      },
    }),
  };
}

const withNodes = (environment: Environment, nodes: Record<string, Record<string, unknown>>) =>
  ({
    ...environment,
    cluster: {
      ...environment.cluster!,
      nodes: Object.fromEntries(
        Object.entries(environment.cluster!.nodes).map(([name, node]) => [name, { ...node, ...nodes[name] }]),
      ),
    },
  }) as Environment;

async function refusal(options: ClusterUpOptions) {
  try {
    await clusterUp(options);
  } catch (error) {
    if (isInfraError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('clusterUp accepted bad input');
}

describe('clusterUp refuses bad input before anything is created', () => {
  const cases: Array<
    [string, () => { env: Environment; h: ReturnType<typeof harness>; version?: string }, string, RegExp]
  > = [
    [
      'a GPU worker with no mapping',
      () => ({ env: prod, h: harness({ mapping: false }) }),
      'CLUSTER_GPU_MAPPING_MISSING',
      /environments\.prod\.gpu\.mapping: the PCI resource mapping "rtx4000ada" for gpu-1 does not exist/,
    ],
    [
      'an IP clash',
      () => ({ env: withNodes(prod, { 'gpu-1': { ip: '192.168.1.21' } }), h: harness() }),
      'CLUSTER_IP_CLASH',
      /cluster\.nodes\.gpu-1\.ip: 192\.168\.1\.21 is already the address of cp-1/,
    ],
    [
      'a control-plane count of 2',
      () => ({ env: withNodes(prod, { 'gpu-1': { role: 'controlplane', gpu: false } }), h: harness() }),
      'CLUSTER_CONTROL_PLANE_COUNT',
      /cluster\.nodes: 2 control planes \(cp-1, gpu-1\); expected 1, 3 or 5/,
    ],
    [
      'a Talos version the template lacks',
      () => ({ env: prod, h: harness(), version: 'v1.13.4' }),
      'CLUSTER_TEMPLATE_VERSION',
      /environments\.prod\.talos\.version: v1\.13\.9, but the template found has Talos v1\.13\.4/,
    ],
    [
      'an unreachable node (its VM runs, its Talos API does not answer)',
      () => ({
        env: prod,
        h: harness({
          answering: ['192.168.1.21'],
          vms: [
            { type: 'qemu', vmid: 201, name: 'cp-1', status: 'running' },
            { type: 'qemu', vmid: 211, name: 'gpu-1', status: 'running' },
          ],
        }),
      }),
      'CLUSTER_NODE_UNREACHABLE',
      /cluster\.nodes\.gpu-1\.ip: nothing answers on 192\.168\.1\.31:50000 \(Talos API\)/,
    ],
    [
      "a node address another machine's Talos API answers on",
      () => ({ env: prod, h: harness({ answering: ['192.168.1.31'] }) }),
      'CLUSTER_IP_IN_USE',
      /cluster\.nodes\.gpu-1\.ip: 192\.168\.1\.31:50000 already answers/,
    ],
  ];
  for (const [what, setup, code, message] of cases)
    it(what, async () => {
      const { env, h, version } = setup();
      expect(await refusal(h.options(env, version))).toEqual({
        code,
        message: expect.stringMatching(message),
      });
      expect(h.deploys, 'tofu never ran').toEqual([]);
      // Only reads reached Proxmox (the fake client has no way to write).
      expect(h.reads.every((r) => r.startsWith('GET '))).toBe(true);
    });

  it('lets good input through to the deploy stage (the cases above are not refused for another reason)', async () => {
    const h = harness();
    await expect(clusterUp(h.options(prod))).rejects.toThrow('deploy must not run for bad input');
    expect(h.deploys).toHaveLength(1);
  });
});
