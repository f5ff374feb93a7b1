import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { InfraError } from '@infra/core';
import { execa } from 'execa';

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
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, tool);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export function toolMissing(tool: string): InfraError {
  return new InfraError('TOOL_MISSING', `${tool} is not installed (not found on PATH)`, {
    hint: 'run ./infra setup (it runs `pnpm tsx scripts/toolchain.ts install`), then retry',
    details: { tool },
  });
}

/**
 * Runs a real tool and returns its exit code and output; a non-zero exit is data, not an exception. Only a
 * missing binary (TOOL_MISSING) or a timeout (TOOL_TIMEOUT) throws. stdin is closed so no tool can prompt.
 */
export async function runTool(tool: string, args: readonly string[], options: RunOptions): Promise<ToolRun> {
  const binary = await findOnPath(tool, options.env);
  if (!binary) throw toolMissing(tool);
  const result = await execa(binary, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    stripFinalNewline: false,
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.timedOut) {
    throw new InfraError(
      'TOOL_TIMEOUT',
      `${tool} ${args.join(' ')} did not finish in ${options.timeoutMs ?? 300_000} ms`,
      {
        hint: 'rerun with INFRA_DEBUG=1 to see what it was doing',
        details: { tool, cwd: options.cwd },
      },
    );
  }
  return {
    exitCode: result.exitCode ?? 1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
}
