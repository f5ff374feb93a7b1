import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface CaptureResult {
  /** Exit code; 127 when the command does not exist, 124 on timeout. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a command and collects its output. Never throws for a failing command: callers decide. */
export function capture(
  command: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<CaptureResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: error.code === 'ENOENT' ? 127 : 126, stdout: '', stderr: error.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code: timedOut ? 124 : (code ?? 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/**
 * Runs a long command with its output appended to a log file (the terminal stays readable; the log keeps
 * everything for the failure message). Resolves with the exit code.
 */
export async function runLogged(
  command: string,
  args: readonly string[],
  options: ExecOptions & { logFile: string },
): Promise<number> {
  await mkdir(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  log.write(`\n$ ${[command, ...args].join(' ')}${options.cwd ? `   (in ${options.cwd})` : ''}\n`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    const timer = options.timeoutMs
      ? setTimeout(() => {
          log.write(`\n[toolchain] killed after ${options.timeoutMs} ms\n`);
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      log.write(`\n[toolchain] could not start ${command}: ${error.message}\n`);
      resolve(127);
    });
    child.on('close', (exitCode) => {
      if (timer) clearTimeout(timer);
      resolve(exitCode ?? 1);
    });
  });
  log.write(`[toolchain] exit ${code}\n`);
  await new Promise<void>((resolve) => log.end(resolve));
  return code;
}

/** The last `count` non-empty lines of a log file, for failure messages. */
export async function tailLines(file: string, count = 20): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-count);
}
