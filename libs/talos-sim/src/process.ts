import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { InfraError, runProcess, startDaemon } from '@infra/core';
import { z } from 'zod';
import { type BuildOptions, ensureTalosSimBinary } from './build';
import type { TalosSimErrorCode } from './error-codes';

export interface TalosSimOptions extends BuildOptions {
  stateDir: string;
  /** One loopback address per node (127.0.0.x). */
  nodes: string[];
  /** Installer image of the template the VMs boot from: its schematic and version are what a fresh node runs. */
  templateImage: string;
  /** apid port (default 50000, as Talos). */
  port?: number;
  validationMode?: 'cloud' | 'metal';
  bootDelayMs?: number;
  allowSchematicChange?: boolean;
  memoryMiB?: number;
  diskGiB?: number;
  /** How long to wait for the listeners (default 30 s). */
  readyTimeoutMs?: number;
  /**
   * Keep serving after this process exits (like `scripts/sim.ts start --detach`), so talosctl can reach the
   * nodes after `./infra up`; the next run reuses it. stop() still ends it.
   */
  detach?: boolean;
}

export interface TalosSim {
  stateDir: string;
  nodes: string[];
  port: number;
  pid: number;
  /** True when this call started it (stop() then ends it). */
  started: boolean;
  stop(): Promise<void>;
}

const statusSchema = z.object({
  pid: z.number(),
  port: z.number(),
  nodes: z.array(z.object({ address: z.string(), mode: z.string(), up: z.boolean() })),
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether pid is a talos-sim serving stateDir: its command line (/proc/<pid>/cmdline, or `ps` where there is
 * no /proc) names the talos-sim binary and `--state-dir <stateDir>`. A sim.json left behind by a crash can name
 * a pid the system has since given to another process; that one is never reused or signalled.
 */
async function servesStateDir(pid: number, stateDir: string): Promise<boolean> {
  const proc = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  const args =
    proc !== null
      ? proc.split('\0').filter(Boolean)
      : ((
          await runProcess('ps', ['-p', String(pid), '-o', 'args='], { timeoutMs: 10_000 }).catch(() => null)
        )?.stdout
          .trim()
          .split(/\s+/) ?? []);
  const at = args.indexOf('--state-dir');
  return (
    basename(args[0] ?? '') === 'talos-sim' && at > 0 && resolve(args[at + 1] ?? '') === resolve(stateDir)
  );
}

/** The simulator serving stateDir in another process, if any (from <stateDir>/sim.json, ownership proved). */
export async function findRunningTalosSim(stateDir: string): Promise<z.infer<typeof statusSchema> | null> {
  const text = await readFile(join(stateDir, 'sim.json'), 'utf8').catch(() => null);
  if (!text) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = statusSchema.safeParse(json);
  if (!parsed.success || !alive(parsed.data.pid)) return null;
  return (await servesStateDir(parsed.data.pid, stateDir)) ? parsed.data : null;
}

/**
 * Stops the simulator serving stateDir (a detached one from an earlier run), if there is one: SIGTERM, then
 * SIGKILL after timeoutMs. Only a process proved to be that simulator is signalled. Returns its pid, or null.
 */
export async function stopRunningTalosSim(stateDir: string, timeoutMs = 5000): Promise<number | null> {
  const running = await findRunningTalosSim(stateDir);
  if (!running) return null;
  process.kill(running.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(running.pid)) {
    if (Date.now() > deadline) {
      process.kill(running.pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return running.pid;
}

/**
 * The simulator for these nodes: the one already serving stateDir when it serves the same addresses, or a new
 * child process (built on demand). Output goes to <stateDir>/talos-sim.log.
 */
export async function startTalosSim(options: TalosSimOptions): Promise<TalosSim> {
  const port = options.port ?? 50000;
  const running = await findRunningTalosSim(options.stateDir);
  if (running) {
    const addresses = running.nodes.map((n) => n.address).sort();
    if (running.port === port && addresses.join() === [...options.nodes].sort().join())
      return {
        stateDir: options.stateDir,
        nodes: options.nodes,
        port,
        pid: running.pid,
        started: false,
        stop: async () => {},
      };
    throw new InfraError<TalosSimErrorCode>(
      'TALOS_SIM_BUSY',
      `a Talos simulator (pid ${running.pid}) already serves ${options.stateDir} for other nodes (${addresses.join(', ')})`,
      { hint: `stop it (kill ${running.pid}) so this run can start one for ${options.nodes.join(', ')}` },
    );
  }
  const binary = await ensureTalosSimBinary(options);
  await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
  const args = [
    '--state-dir',
    options.stateDir,
    '--template-image',
    options.templateImage,
    '--port',
    String(port),
    '--validation-mode',
    options.validationMode ?? 'cloud',
    '--boot-delay',
    `${options.bootDelayMs ?? 500}ms`,
    '--memory-mib',
    String(options.memoryMiB ?? 4096),
    '--disk-gib',
    String(options.diskGiB ?? 64),
    ...(options.allowSchematicChange ? ['--allow-schematic-change'] : []),
    ...options.nodes.flatMap((n) => ['--node', n]),
  ];
  const logFile = join(options.stateDir, 'talos-sim.log');
  let sawReady: () => void = () => {};
  const readyLine = new Promise<void>((resolve) => {
    sawReady = resolve;
  });
  const child = await startDaemon(binary.path, args, {
    logFile,
    stdout: options.detach ? 'log' : 'pipe',
    ...(options.detach
      ? {}
      : {
          onLine: (line: string) => {
            if (line.trim() === 'talos-sim: ready') sawReady();
          },
        }),
    detached: options.detach === true,
  });
  const exited = child.exited.then((exit) => exit.exitCode);
  const failed = (code: number | null) =>
    new InfraError<TalosSimErrorCode>(
      'TALOS_SIM_START_FAILED',
      `the Talos simulator exited (code ${code}) before it served ${options.nodes.join(', ')}`,
      { hint: `see ${logFile}` },
    );
  const ready = options.detach
    ? waitForStatus(options.stateDir, child.pid, options.nodes.length, exited, failed)
    : Promise.race([
        readyLine,
        exited.then((code) => {
          throw failed(code);
        }),
      ]);
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new InfraError<TalosSimErrorCode>(
                'TALOS_SIM_START_TIMEOUT',
                `the Talos simulator did not serve within ${timeoutMs} ms`,
                {
                  hint: `see ${logFile}`,
                },
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    await child.stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  if (options.detach) child.detach();
  const stop = async () => {
    await child.stop();
  };
  return { stateDir: options.stateDir, nodes: options.nodes, port, pid: child.pid, started: true, stop };
}

/** A detached simulator is ready when its status file names its pid and it serves every node. */
async function waitForStatus(
  stateDir: string,
  pid: number,
  nodeCount: number,
  exited: Promise<number | null>,
  failed: (code: number | null) => Error,
): Promise<void> {
  let done = false;
  const exit = exited.then((code) => {
    if (!done) throw failed(code);
  });
  const poll = (async () => {
    while (!done) {
      const status = await findRunningTalosSim(stateDir);
      if (status?.pid === pid && status.nodes.length === nodeCount) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    await Promise.race([poll, exit]);
  } finally {
    done = true;
  }
}
