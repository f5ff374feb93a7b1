import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { ProcessPromise } from 'zx';
import { trackProcessGroup } from '../command/interrupt';
import { type CoreErrorCode, InfraError } from '../errors';
import { redact } from '../redact';
import { type ChildEnvOptions, childEnv } from './env';

/**
 * The one way this repository runs a program. zx's `$` underneath (array arguments, each quoted: no shell
 * injection), plus the rules every caller would otherwise re-implement: a minimal child environment, output
 * through the redactor, stdin closed unless `input` is given, cancellation by AbortSignal that kills the
 * whole process group, a clear TOOL_MISSING error, and a typed result where a non-zero exit is data.
 */

export interface RunProcessOptions extends Omit<ChildEnvOptions, 'from'> {
  cwd?: string;
  /** Fed to stdin, which is otherwise closed (no tool may prompt). Not with `interactive`. */
  input?: string | Uint8Array;
  /**
   * Hand our terminal to the program (an editor behind `sops edit`): stdin and stdout are ours, stderr is
   * still captured (and returned redacted). The child then stays in our process group, so Ctrl-C and the
   * terminal's job control reach it as they would any foreground program; `signal` and `timeoutMs` still
   * stop it. `output`, `onLine` and `stdout` do not apply (stdout is the terminal).
   */
  interactive?: boolean;
  /**
   * `capture` (default): collect stdout and stderr. `stream`: also write each line, redacted, to `onLine`
   * (default: our stderr, prefixed with the program name), for long steps a person watches.
   */
  output?: 'capture' | 'stream';
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Aborting it (SIGINT via the command framework, a caller's own timeout) kills the process group. */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Throw PROCESS_FAILED on a non-zero exit instead of returning it. */
  check?: boolean;
  /**
   * Return stdout exactly as the program wrote it, not redacted: only for callers that parse secret
   * material they asked for (a decrypted file). Streamed lines and error messages are always redacted.
   */
  rawStdout?: boolean;
  /**
   * Values written to extra inherited descriptors, in order: the first is fd 3, the next fd 4, ... A way to
   * hand a tool a secret that keeps it out of argv and the environment (`read -r token <&3`,
   * `fs.readFileSync(3)`). They are pipes: opening `/dev/fd/3` by path works, seeking does not.
   */
  fds?: readonly (string | Uint8Array)[];
}

export interface ProcessResult {
  /** `sops --decrypt file.yaml`, for messages (redacted). */
  command: string;
  exitCode: number;
  /** Set when the program died of a signal. */
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stdout exactly as written, never decoded or redacted: binary output (an archive, an image). */
  stdoutBytes: Buffer;
  stderr: string;
  durationMs: number;
}

const KILL_GRACE_MS = 3000;

/** POSIX single quotes: the shell passes every argument through untouched (no expansion, no injection). */
const posixQuote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The program's path as the child's PATH resolves it (not ours: a toolchain PATH may differ). */
export async function findExecutable(program: string, env: { PATH?: string }, cwd?: string) {
  if (program.includes('/')) {
    const path = isAbsolute(program) ? program : resolve(cwd ?? process.cwd(), program);
    return (await isExecutable(path)) ? path : undefined;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, program)))) return join(dir, program);
  }
  return undefined;
}

function lineSplitter(emit: (line: string) => void) {
  let pending = '';
  return {
    push(chunk: Buffer) {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line);
    },
    flush() {
      if (pending) emit(pending);
      pending = '';
    },
  };
}

export async function runProcess(
  program: string,
  args: readonly string[],
  options: RunProcessOptions = {},
): Promise<ProcessResult> {
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
  options.signal?.throwIfAborted();

  const name = program.split('/').pop() ?? program;
  const onLine = options.onLine ?? ((line: string) => process.stderr.write(`  ${name}: ${line}\n`));
  const splitters = {
    stdout: lineSplitter((line) => onLine(redact(line), 'stdout')),
    stderr: lineSplitter((line) => onLine(redact(line), 'stderr')),
  };
  const interactive = options.interactive === true;
  if (interactive && options.input !== undefined) {
    throw new InfraError<CoreErrorCode>(
      'PROCESS_OPTIONS_INVALID',
      `${command}: runProcess takes either input or interactive, not both`,
      { hint: 'an interactive program reads the terminal; pass input only to a captured run' },
    );
  }
  const streaming = options.output === 'stream' && !interactive;
  const fds = options.fds ?? [];
  // Loaded on first use: zx costs ~0.3 s of start-up, which every script's --help would otherwise pay.
  const { $ } = await import('zx');
  const started = performance.now();
  const child: ProcessPromise = $({
    cwd: options.cwd ?? process.cwd(),
    env,
    // POSIX sh + `exec`: the program replaces the shell, so its exit status and signals are its own. (bash,
    // zx's default, also starts ~1 s slower here with a piped stdin and a minimal environment.)
    shell: '/bin/sh',
    prefix: 'exec ',
    postfix: '',
    quote: posixQuote,
    // Its own process group, so cancelling kills what it started too; an interactive program stays in
    // ours, the terminal's foreground group (a program in another session cannot own the terminal).
    detached: !interactive,
    nothrow: true,
    quiet: true,
    verbose: false,
    stdio: [
      interactive ? 'inherit' : options.input === undefined ? 'ignore' : 'pipe',
      interactive ? 'inherit' : 'pipe',
      'pipe',
      ...fds.map(() => 'pipe' as const),
    ],
    ...(options.input === undefined ? {} : { input: Buffer.from(options.input) }),
    log: (entry) => {
      if (!streaming) return;
      if (entry.kind === 'stdout' || entry.kind === 'stderr') splitters[entry.kind].push(entry.data);
    },
  })`${[binary, ...args]}`;

  let stopReason: unknown;
  // The child leads its own process group (detached): signal the group, not zx's ps-based tree walk.
  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      // An interactive child is in our group: signal it alone (its own children see the terminal's).
      process.kill(interactive ? child.pid : -child.pid, signal);
    } catch {
      // already gone
    }
  };
  const stop = (reason: unknown) => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    killGroup('SIGTERM');
    // Not cleared when the leader exits: a member that ignored SIGTERM still gets SIGKILL.
    setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
  };
  const onAbort = () =>
    stop(options.signal?.reason ?? new InfraError<CoreErrorCode>('ABORTED', `${command} was cancelled`));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(
          () =>
            stop(
              new InfraError<CoreErrorCode>(
                'TOOL_TIMEOUT',
                `${command} did not finish in ${options.timeoutMs} ms`,
                {
                  hint: 'rerun with INFRA_DEBUG=1 to see what it was doing',
                },
              ),
            ),
          options.timeoutMs,
        );
  // zx spawns synchronously; a child that exits without reading its descriptor must not fail the run (EPIPE).
  fds.forEach((value, index) => {
    const pipe = child.child?.stdio[3 + index];
    if (!pipe || !('end' in pipe)) return;
    pipe.on('error', () => {});
    pipe.end(Buffer.from(value));
  });
  // zx keeps stdout as text (invalid UTF-8 becomes U+FFFD): the bytes are collected beside it.
  const stdoutChunks: Buffer[] = [];
  child.child?.stdout?.on('data', (chunk: Buffer) => stdoutChunks.push(chunk));
  const untrack = child.pid === undefined || interactive ? () => false : trackProcessGroup(child.pid);

  let output: Awaited<ProcessPromise>;
  try {
    output = await child;
  } finally {
    untrack();
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    splitters.stdout.flush();
    splitters.stderr.flush();
  }
  if (stopReason !== undefined) throw stopReason;

  const result: ProcessResult = {
    command,
    exitCode: output.exitCode ?? (output.signal ? 128 : 1),
    signal: output.signal,
    stdout: options.rawStdout ? output.stdout : redact(output.stdout),
    stdoutBytes: Buffer.concat(stdoutChunks),
    stderr: redact(output.stderr),
    durationMs: Math.round(performance.now() - started),
  };
  if (options.check && result.exitCode !== 0) {
    const tail = result.stderr.trim().split('\n').slice(-5).join('\n');
    throw new InfraError<CoreErrorCode>(
      'PROCESS_FAILED',
      `${command} exited with ${result.exitCode}${tail ? `:\n${tail}` : ''}`,
      {
        details: { command, exitCode: result.exitCode },
      },
    );
  }
  return result;
}
