import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MUTATING } from '@infra/proxmox-connect';
import { applyConfigurationCount, findRunningTalosSim } from '@infra/talos-sim';
import { execa } from 'execa';
import { copyWorkingTree, sourceArchivesEnv } from './workspace-copy';

/**
 * A throw-away copy of the working tree in which `scripts/up.ts` runs for real (embedded simulators, real
 * tofu, bpg and talos providers, talosctl), for tests and bench/up.bench.ts. Its `local` cluster gets its own
 * 127.0.<n>.0/24 (n in 10..89; the cluster e2e stack takes 100..249 and a local ./infra up 127.0.0.x), so
 * parallel runs never share a Talos apid address. `close()` stops the Talos simulator the runs left serving
 * (its pid from the state dir this copy owns) and removes the copy.
 */
export interface UpCopy {
  dir: string;
  repo: string;
  /** The TMPDIR every run of this copy gets. */
  tmp: string;
  addresses: { cp: string; gpu: string };
  /** One run of `scripts/up.ts`; killed (and `timedOut`) after `timeoutMs`, default 900 s. */
  up(args?: string[], extraEnv?: Record<string, string>, timeoutMs?: number): Promise<UpRun>;
  /** POST/PUT/DELETE and all requests the Proxmox simulator logged so far. */
  proxmoxRequests(): Promise<{ total: number; mutating: number }>;
  applyConfigurations(): Promise<number>;
  close(): Promise<void>;
}

export interface UpRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  all: string;
  ms: number;
  timedOut: boolean;
}

const repoRoot = resolve(import.meta.dirname, '..', '..');

export async function startUpCopy(): Promise<UpCopy> {
  const dir = await mkdtemp(join(tmpdir(), 'up-copy-'));
  const repo = join(dir, 'repo');
  const runTmp = join(dir, 'tmp');
  await mkdir(runTmp);
  await copyWorkingTree(repoRoot, repo);
  const octet = 10 + Math.floor(Math.random() * 80);
  const addresses = { cp: `127.0.${octet}.11`, gpu: `127.0.${octet}.21` };
  const configFile = join(repo, 'infra.config.yaml');
  const config = await readFile(configFile, 'utf8');
  const patched = config
    .replace('cp-1: { ip: 127.0.0.11 }', `cp-1: { ip: ${addresses.cp} }`)
    .replace('gpu-1: { ip: 127.0.0.21 }', `gpu-1: { ip: ${addresses.gpu} }`);
  if (patched === config || !patched.includes(addresses.gpu))
    throw new Error(
      'infra.config.yaml: the local cluster nodes are no longer cp-1 127.0.0.11 / gpu-1 127.0.0.21',
    );
  await writeFile(configFile, patched);
  const requestLog = join(repo, '.infra', 'pve-requests.jsonl');
  // The chart and provider archives the original tree finds (the copy's own `../shared/sources` is nowhere).
  const archives = sourceArchivesEnv(repoRoot);
  const talosState = join(repo, '.infra', 'sim', 'talos');

  return {
    dir,
    repo,
    tmp: runTmp,
    addresses,
    up: async (args = [], extraEnv = {}, timeoutMs = 900_000) => {
      const started = performance.now();
      const run = await execa(join(repo, 'node_modules', '.bin', 'tsx'), ['scripts/up.ts', ...args], {
        cwd: repo,
        extendEnv: false,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...(process.env.INFRA_CACHE_DIR ? { INFRA_CACHE_DIR: process.env.INFRA_CACHE_DIR } : {}),
          ...archives,
          TMPDIR: runTmp,
          PVE_SIM_LOG: requestLog,
          ...extraEnv,
        },
        all: true,
        reject: false,
        timeout: timeoutMs,
      });
      return {
        exitCode: run.exitCode ?? 1,
        stdout: run.stdout,
        stderr: run.stderr,
        all: `${run.all ?? ''}${run.timedOut ? `\n[up-copy] up.ts ${args.join(' ')} killed: still running after ${timeoutMs / 1000} s` : ''}`,
        ms: performance.now() - started,
        timedOut: run.timedOut,
      };
    },
    proxmoxRequests: async () => {
      const lines = (await readFile(requestLog, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { method: string });
      return { total: lines.length, mutating: lines.filter((l) => MUTATING.has(l.method)).length };
    },
    applyConfigurations: () => applyConfigurationCount(talosState).catch(() => 0),
    close: async () => {
      const running = await findRunningTalosSim(talosState);
      if (running) {
        process.kill(running.pid, 'SIGTERM');
        for (let i = 0; i < 50 && (await findRunningTalosSim(talosState)); i++)
          await new Promise((r) => setTimeout(r, 100));
      }
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}
