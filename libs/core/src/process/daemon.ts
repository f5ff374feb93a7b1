import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type CoreErrorCode, InfraError } from '../errors';
import { redact } from '../redact';
import { type ChildEnvOptions, childEnv } from './env';
import { findExecutable } from './run';

/**
 * The runner's mode for programs that outlive the call: a simulator left serving after the script exits, an
 * ssh master that forks into the background. Same rules as runProcess — the minimal child environment (plus
 * `pass`/`env`), the program resolved on the child's PATH first (TOOL_MISSING, not a spawn stack trace), a
 * redacted command line in every message, stdin closed — but the output goes to a log file (a descriptor the
 * child keeps after we are gone), and the caller gets a handle instead of a result.
 *
 * The log file receives the program's own bytes: a file descriptor cannot be filtered once we exit, so a
 * daemon must not print secrets (none of ours do). Lines read from a piped stdout are redacted.
 */
export interface StartDaemonOptions extends Omit<ChildEnvOptions, 'from'> {
  cwd?: string;
  /** Where stderr (and stdout, unless `stdout` says otherwise) goes; created 0600. */
  logFile: string;
  /** `append` (default) keeps earlier runs' output; `truncate` starts the file empty. */
  logMode?: 'append' | 'truncate';
  /** `log` (default): to the log file. `pipe`: read by us, each line (redacted) to `onLine`. `ignore`. */
  stdout?: 'log' | 'pipe' | 'ignore';
  onLine?: (line: string) => void;
  /** Its own process group and session (default true), so it survives our exit and our terminal's Ctrl-C. */
  detached?: boolean;
}

export interface DaemonExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface Daemon {
  pid: number;
  /** Redacted command line, for messages. */
  command: string;
  logFile: string;
  /** Settles when the program exits (or could not be started: exitCode null, signal null). */
  exited: Promise<DaemonExit>;
  /** Whether it is still running, as far as we saw (false once `exited` settled). */
  readonly running: boolean;
  /** Stop holding our event loop open for it: we may exit while it keeps running. */
  detach(): void;
  /** Sends a signal to it (its whole group when detached). False when it is already gone. */
  kill(signal?: NodeJS.Signals): boolean;
  /** SIGTERM, then SIGKILL after graceMs (default 5 s); resolves once it has exited. */
  stop(graceMs?: number): Promise<DaemonExit>;
}

export async function startDaemon(
  program: string,
  args: readonly string[],
  options: StartDaemonOptions,
): Promise<Daemon> {
  const env = childEnv({
    ...(options.pass ? { pass: options.pass } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const command = redact([program, ...args].join(' '));
  const binary = await findExecutable(program, env, options.cwd);
  if (!binary) {
    throw new InfraError<CoreErrorCode>('TOOL_MISSING', `${program} is not installed (not found on PATH)`, {
      hint: 'run ./infra setup (it installs the pinned toolchain), then retry',
      details: { tool: program },
    });
  }
  if (options.onLine && options.stdout !== 'pipe') {
    throw new InfraError<CoreErrorCode>(
      'PROCESS_OPTIONS_INVALID',
      `${command}: onLine needs stdout: 'pipe'`,
      { hint: "pass stdout: 'pipe' to read the program's output, or drop onLine" },
    );
  }
  let logFd: number;
  try {
    logFd = openSync(options.logFile, options.logMode === 'truncate' ? 'w' : 'a', 0o600);
  } catch (error) {
    throw new InfraError<CoreErrorCode>(
      'DAEMON_START_FAILED',
      `${command}: cannot open its log file ${options.logFile} (${(error as NodeJS.ErrnoException).code ?? error})`,
      {
        hint: 'create the folder it lives in, or pass a writable logFile',
        details: { file: options.logFile },
      },
    );
  }
  const detached = options.detached !== false;
  const stdoutMode = options.stdout ?? 'log';
  let child: ChildProcess;
  try {
    child = spawn(binary, [...args], {
      cwd: options.cwd ?? process.cwd(),
      env,
      detached,
      stdio: ['ignore', stdoutMode === 'log' ? logFd : stdoutMode, logFd],
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(logFd);
  }
  let running = true;
  const exited = new Promise<DaemonExit>((resolve) => {
    child.once('exit', (exitCode, signal) => {
      running = false;
      resolve({ exitCode, signal });
    });
    child.once('error', () => {
      running = false;
      resolve({ exitCode: null, signal: null });
    });
  });
  // spawn reports a failure to start (EACCES, a vanished binary) asynchronously, and then has no pid.
  if (child.pid === undefined) {
    const reason = await new Promise<string>((resolve) =>
      child.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message)),
    );
    throw new InfraError<CoreErrorCode>(
      'DAEMON_START_FAILED',
      `${command} could not be started (${reason})`,
      {
        hint: `check that ${binary} is an executable for this machine`,
        details: { command },
      },
    );
  }
  const pid = child.pid;
  if (stdoutMode === 'pipe' && child.stdout) {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => options.onLine?.(redact(line)));
  }
  const kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!running) return false;
    try {
      process.kill(detached ? -pid : pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  return {
    pid,
    command,
    logFile: options.logFile,
    exited,
    get running() {
      return running;
    },
    detach() {
      child.unref();
      child.stdout?.destroy();
    },
    kill,
    async stop(graceMs = 5000) {
      if (!running) return exited;
      kill('SIGTERM');
      const forced = setTimeout(() => kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(forced);
      }
    },
  };
}
