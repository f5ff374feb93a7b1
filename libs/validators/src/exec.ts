import { findExecutable, InfraError, runProcess } from '@infra/core';
import type { ValidatorsErrorCode } from './error-codes';

export type ToolEnv = Record<string, string | undefined>;

export interface ToolRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env: ToolEnv;
  /** Generous by default: checkov and a cold `tofu init` take tens of seconds on 2 cores. */
  timeoutMs?: number;
}

/** Finds an executable on the PATH of `env` (not of this process: the toolchain env may prepend its shims). */
export async function findOnPath(tool: string, env: ToolEnv): Promise<string | undefined> {
  return findExecutable(tool, env.PATH === undefined ? {} : { PATH: env.PATH });
}

export function toolMissing(tool: string): InfraError {
  return new InfraError<ValidatorsErrorCode>('TOOL_MISSING', `${tool} is not installed (not found on PATH)`, {
    hint: 'run ./infra setup (it runs `./infra toolchain install`), then retry',
    details: { tool },
  });
}

/**
 * Runs a real tool through the core runner and returns its exit code and output; a non-zero exit is data,
 * not an exception. Only a missing binary (TOOL_MISSING) or a timeout (TOOL_TIMEOUT) throws. The tool gets
 * the runner's minimal environment plus the validator's tool environment, never our whole environment.
 */
export async function runTool(tool: string, args: readonly string[], options: RunOptions): Promise<ToolRun> {
  const binary = await findOnPath(tool, options.env);
  if (!binary) throw toolMissing(tool);
  const { exitCode, stdout, stderr } = await runProcess(binary, args, {
    cwd: options.cwd,
    env: options.env,
    timeoutMs: options.timeoutMs ?? 300_000,
  });
  return { exitCode, stdout, stderr };
}
