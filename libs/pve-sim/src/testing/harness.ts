import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Simulator, type SimulatorOptions, startSimulator } from '../simulator';
import { type SimRequestOptions, type SimResponse, simRequest, waitForTask } from './client';

/** A simulator in a fresh temp dir with a root token (privilege separation off), for the simulator's tests. */
export interface TestSim {
  sim: Simulator;
  dir: string;
  /** `PVEAPIToken=root@pam!test=…` — all privileges, but not `root@pam` itself. */
  root: string;
  api(method: string, path: string, options?: SimRequestOptions): Promise<SimResponse>;
  /** Sends with the root token and waits for the returned task. */
  run(method: string, path: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startTestSim(options: Partial<SimulatorOptions> = {}): Promise<TestSim> {
  const dir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'pve-sim-test-')));
  const sim = await startSimulator({
    seed: 7,
    ...options,
    stateDir: dir,
    timing: { taskMs: 20, ...options.timing },
  });
  const { header: root } = await sim.issueToken('root@pam!test');
  const api = (method: string, path: string, o: SimRequestOptions = {}) =>
    simRequest(sim, method, path, { auth: root, ...o });
  return {
    sim,
    dir,
    root,
    api,
    async run(method, path, params = {}) {
      const res = await api(method, path, { params });
      if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${res.text}`);
      return waitForTask(sim, root, res.body!.data as string);
    },
    async close() {
      await sim.stop();
      if (!options.stateDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A qcow2 header (magic, version 3, virtual size) padded to `bytes`. */
export function fakeQcow2(virtualSizeGiB: number, bytes = 4096): Buffer {
  const buf = Buffer.alloc(bytes);
  buf.writeUInt32BE(0x514649fb, 0);
  buf.writeUInt32BE(3, 4);
  buf.writeBigUInt64BE(BigInt(virtualSizeGiB) * 1024n ** 3n, 24);
  return buf;
}
