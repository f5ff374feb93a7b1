import { spawnSync } from 'node:child_process';
import { redact } from '../redact';
import { type ChildEnvOptions, childEnv } from './env';

export interface RunProcessSyncOptions extends Omit<ChildEnvOptions, 'from'> {
  cwd?: string;
  timeoutMs?: number;
}

/**
 * runProcess for the one place nothing asynchronous completes: a process 'exit' hook (closing an ssh master
 * as we go). Same minimal environment, stdin closed, output captured and redacted. A program that cannot be
 * started reports exitCode 127, as a shell would; everything else should use runProcess.
 */
export function runProcessSync(
  program: string,
  args: readonly string[],
  options: RunProcessSyncOptions = {},
): { command: string; exitCode: number; stdout: string; stderr: string } {
  const env = childEnv({
    ...(options.pass ? { pass: options.pass } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const result = spawnSync(program, [...args], {
    cwd: options.cwd ?? process.cwd(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  return {
    command: redact([program, ...args].join(' ')),
    exitCode: result.error ? 127 : (result.status ?? 128),
    stdout: redact(result.stdout ?? ''),
    stderr: redact(result.stderr ?? ''),
  };
}
