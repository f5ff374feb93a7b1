import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type CoreErrorCode, isInfraError, type RunProcessOptions, runProcess } from '@infra/core';

export interface CaptureResult {
  /** Exit code; 127 when the command does not exist, 124 on timeout. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Variables set for the command over the core runner's minimal base environment. */
  env?: NodeJS.ProcessEnv | undefined;
  cwd?: string | undefined;
  timeoutMs?: number | undefined;
}

/**
 * The core runner, with the shell's exit codes for the two failures installers branch on: 127 (not found)
 * and 124 (timed out, as coreutils `timeout` reports it).
 */
async function runWithShellCodes(
  command: string,
  args: readonly string[],
  options: RunProcessOptions,
  onFailure: (code: 124 | 127, message: string) => void = () => {},
): Promise<CaptureResult> {
  try {
    const { exitCode, stdout, stderr } = await runProcess(command, args, options);
    return { code: exitCode, stdout, stderr };
  } catch (error) {
    if (!isInfraError<CoreErrorCode>(error, 'TOOL_MISSING', 'TOOL_TIMEOUT')) throw error;
    const code = isInfraError<CoreErrorCode>(error, 'TOOL_MISSING') ? 127 : 124;
    onFailure(code, error.message);
    return { code, stdout: '', stderr: error.message };
  }
}

const runOptions = (options: ExecOptions): RunProcessOptions => ({
  ...(options.env ? { env: options.env } : {}),
  ...(options.cwd ? { cwd: options.cwd } : {}),
});

/** Runs a command and collects its output. Never throws for a failing command: callers decide. */
export function capture(
  command: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<CaptureResult> {
  return runWithShellCodes(command, args, { ...runOptions(options), timeoutMs: options.timeoutMs ?? 60_000 });
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
  const { code } = await runWithShellCodes(
    command,
    args,
    {
      ...runOptions(options),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      output: 'stream',
      onLine: (line) => log.write(`${line}\n`),
    },
    (_code, message) => log.write(`\n[toolchain] ${message}\n`),
  );
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
