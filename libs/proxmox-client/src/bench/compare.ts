import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Simulator, startSimulator } from '@infra/pve-sim';
import proxmoxApi from 'proxmox-api';
import { Agent } from 'undici';
import { ProxmoxClient } from '../client';
import { interleaved, type Summary, timed } from './stats';

/**
 * Benchmark: this client against the `proxmox-api` npm client (1.1.1) on the same in-process simulator, in the
 * same run. Both use keep-alive with the same connection limit and the same concurrency. "Create" means
 * POST /nodes/{node}/qemu and waiting until the qmcreate task has stopped; both poll the task status on the
 * same schedule (150 ms, ×1.5, at most 2 s), so the comparison is about the clients, not the polling policy.
 * The two run in alternating rounds, so neither always meets the simulator with more VMs in its state.
 */
export interface BenchOptions {
  gets: number;
  creates: number;
  concurrency: number;
  taskMs: number;
}

export interface BenchResult {
  ours: { gets: Summary; creates: Summary };
  theirs: { gets: Summary; creates: Summary };
}

const NODE = 'pve';
const GET_ROTATION = ['version', 'nodes', 'resources', 'storage'] as const;

async function pollUntilStopped(
  status: () => Promise<{ status: string; exitstatus?: string }>,
): Promise<void> {
  for (let interval = 150; ; interval = Math.min(2_000, Math.round(interval * 1.5))) {
    const s = await status();
    if (s.status === 'stopped') {
      if (s.exitstatus !== 'OK') throw new Error(`task failed: ${s.exitstatus}`);
      return;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

export async function runBenchmark(options: BenchOptions): Promise<BenchResult> {
  const stateDir = await mkdtemp(join(tmpdir(), 'pve-bench-'));
  const tokenId = 'bench@pve!bench';
  const secret = randomUUID();
  let sim: Simulator | undefined;
  try {
    sim = await startSimulator({
      stateDir,
      seed: 1,
      timing: { taskMs: options.taskMs },
      accounts: {
        users: [{ userid: 'bench@pve' }],
        tokens: [{ id: tokenId, secret, privsep: false }],
        acl: [{ path: '/', roleid: 'Administrator', ugid: 'bench@pve', type: 'user' }],
      },
    });
    const ours = new ProxmoxClient({
      endpoint: sim.url,
      auth: { type: 'token', tokenId, secret },
      tls: { fingerprint: sim.fingerprint },
      maxConnections: 6,
      maxConcurrency: options.concurrency,
    });
    const theirAgent = new Agent({ connections: 6, connect: { ca: sim.caPem } });
    const theirs = proxmoxApi({
      host: '127.0.0.1',
      port: sim.port,
      tokenID: tokenId,
      tokenSecret: secret,
      fetch: ((url: string | URL, init?: RequestInit) =>
        fetch(url, {
          ...init,
          dispatcher: theirAgent as unknown as NonNullable<RequestInit['dispatcher']>,
        })) as never,
    });

    const ourGet = (i: number) => {
      const kind = GET_ROTATION[i % GET_ROTATION.length];
      if (kind === 'version') return ours.version();
      if (kind === 'nodes') return ours.nodes();
      if (kind === 'resources') return ours.clusterResources('vm');
      return ours.storageStatus(NODE, 'local');
    };
    const theirGet = (i: number) => {
      const kind = GET_ROTATION[i % GET_ROTATION.length];
      if (kind === 'version') return theirs.version.$get();
      if (kind === 'nodes') return theirs.nodes.$get();
      if (kind === 'resources') return theirs.cluster.resources.$get({ type: 'vm' });
      return theirs.nodes.$(NODE).storage.$('local').status.$get();
    };
    const createParams = (vmid: number) => ({
      vmid,
      name: `bench-${vmid}`,
      memory: '512',
      cores: 1,
      net0: 'virtio,bridge=vmbr0',
    });

    // Warm up both (TLS handshakes, JIT) before measuring.
    await timed(40, options.concurrency, theirGet);
    await timed(40, options.concurrency, ourGet);

    const [ourGets, theirGets] = await interleaved(options.gets, 10, options.concurrency, ourGet, theirGet);
    const [ourCreates, theirCreates] = await interleaved(
      options.creates,
      10,
      options.concurrency,
      (i) => ours.createVm(NODE, createParams(10_000 + i)),
      async (i) => {
        const upid = await theirs.nodes.$(NODE).qemu.$post(createParams(20_000 + i));
        await pollUntilStopped(
          () =>
            theirs.nodes.$(NODE).tasks.$(upid).status.$get() as Promise<{
              status: string;
              exitstatus?: string;
            }>,
        );
      },
    );

    await ours.close();
    await theirAgent.close();
    return {
      ours: { gets: ourGets, creates: ourCreates },
      theirs: { gets: theirGets, creates: theirCreates },
    };
  } finally {
    await sim?.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}
