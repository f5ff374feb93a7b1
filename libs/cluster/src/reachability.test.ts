import { createServer } from 'node:net';
import { isInfraError } from '@infra/core';
import { describe, expect, it } from 'vitest';
import { checkNodesReachable, type PortProbe, TALOS_API_PORT } from './reachability';
import { tcpProbe } from './tcp-probe';

const env = { name: 'prod' };
const cluster = {
  nodes: {
    'cp-1': { role: 'controlplane', vmid: 201, ip: '192.168.1.21', size: 'medium', gpu: false },
    'gpu-1': { role: 'worker', vmid: 211, ip: '192.168.1.31', size: 'gpu', gpu: true },
  },
} as const;
/** Answers for exactly these addresses, and records what was probed. */
const answering = (...ips: string[]) => {
  const probed: string[] = [];
  const probe: PortProbe = async (host, port) => {
    probed.push(`${host}:${port}`);
    return ips.includes(host);
  };
  return { probe, probed };
};
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (isInfraError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  return null;
};

describe('checkNodesReachable', () => {
  it('passes a new cluster whose addresses are free, probing the Talos API port of each node', async () => {
    const { probe, probed } = answering();
    await checkNodesReachable(env, cluster, { probe, vms: [], embedded: false });
    expect(probed.sort()).toEqual([`192.168.1.21:${TALOS_API_PORT}`, `192.168.1.31:${TALOS_API_PORT}`]);
  });

  it('refuses a running node whose Talos API does not answer, naming the field', async () => {
    const { probe } = answering('192.168.1.21');
    const vms = [
      { vmid: 201, name: 'cp-1', status: 'running' },
      { vmid: 211, name: 'gpu-1', status: 'running' },
    ];
    expect(await codeOf(checkNodesReachable(env, cluster, { probe, vms, embedded: false }))).toEqual({
      code: 'CLUSTER_NODE_UNREACHABLE',
      message: expect.stringContaining(
        'infra.config.yaml: environments.prod.cluster.nodes.gpu-1.ip: nothing answers on 192.168.1.31:50000',
      ),
    });
  });

  it('refuses an address another machine answers on before the node exists', async () => {
    const { probe } = answering('192.168.1.31');
    // VMID 211 exists, but it is some other VM (another name): gpu-1 is still to be created.
    const vms = [{ vmid: 211, name: 'other', status: 'running' }];
    expect(await codeOf(checkNodesReachable(env, cluster, { probe, vms, embedded: false }))).toEqual({
      code: 'CLUSTER_IP_IN_USE',
      message: expect.stringContaining('nodes.gpu-1.ip: 192.168.1.31:50000 already answers'),
    });
  });

  it('embedded: every node must be served by the simulator', async () => {
    const { probe } = answering('192.168.1.31');
    expect(await codeOf(checkNodesReachable(env, cluster, { probe, vms: [], embedded: true }))).toEqual({
      code: 'CLUSTER_NODE_UNREACHABLE',
      message: expect.stringContaining('nodes.cp-1.ip'),
    });
    await checkNodesReachable(env, cluster, {
      probe: answering('192.168.1.21', '192.168.1.31').probe,
      vms: [],
      embedded: true,
    });
  });

  it('waits up to settleMs for a node that must answer, and no longer', async () => {
    let calls = 0;
    const late: PortProbe = async () => ++calls >= 3;
    await checkNodesReachable(
      env,
      { nodes: { 'cp-1': cluster.nodes['cp-1'] } },
      {
        probe: late,
        vms: [],
        embedded: true,
        settleMs: 5000,
      },
    );
    expect(calls).toBe(3);
    const started = Date.now();
    const never: PortProbe = async () => false;
    expect(
      await codeOf(
        checkNodesReachable(env, cluster, { probe: never, vms: [], embedded: true, settleMs: 600 }),
      ),
    ).toMatchObject({ code: 'CLUSTER_NODE_UNREACHABLE' });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('tcpProbe', () => {
  it('is true for a listening port and false once it is closed', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    expect(await tcpProbe('127.0.0.1', port, 2000)).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    expect(await tcpProbe('127.0.0.1', port, 2000)).toBe(false);
  });
});
