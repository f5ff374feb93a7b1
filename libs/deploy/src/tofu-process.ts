import { InfraError, type Logger, redact } from '@infra/core';
import { execa } from 'execa';
import { emptyReport, parseEvent, progressLine, type RunReport, recordEvent } from './tofu-events';

/**
 * One `tofu` invocation: only the environment it is given (never the parent's: it holds other tools'
 * secrets), output streamed line by line through the redactor, `-json` events folded into a report, and
 * the process stopped when the signal aborts (tofu finishes the resource it is on and releases its lock).
 */
export interface TofuInvocation {
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  logger?: Logger;
  signal?: AbortSignal;
  /** Echo every plain (non-JSON) output line; otherwise only progress events and errors are shown. */
  echo?: boolean;
}

export interface TofuOutcome {
  exitCode: number;
  report: RunReport;
  /** Non-JSON stdout, redacted (e.g. `show`, `output -json`). */
  stdout: string;
  /** stderr, redacted. */
  stderr: string;
}

/** SIGINT first (tofu then stops cleanly and releases the state lock), SIGKILL if it does not exit. */
const KILL_GRACE_MS = 30_000;

export async function runTofu(invocation: TofuInvocation): Promise<TofuOutcome> {
  const { logger } = invocation;
  const report = emptyReport();
  const plain: string[] = [];
  const errors: string[] = [];
  const child = execa('tofu', [...invocation.args], {
    cwd: invocation.cwd,
    env: { ...invocation.env },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    buffer: false,
    ...(invocation.signal ? { cancelSignal: invocation.signal, killSignal: 'SIGINT' as const } : {}),
    forceKillAfterDelay: KILL_GRACE_MS,
  });
  const onStdout = (line: string) => {
    const event = parseEvent(line);
    if (!event) {
      const clean = redact(line);
      plain.push(clean);
      if (invocation.echo) logger?.info(clean);
      return;
    }
    recordEvent(report, event);
    const progress = progressLine(event);
    if (progress) logger?.info(progress);
  };
  const onStderr = (line: string) => {
    const clean = redact(line);
    errors.push(clean);
    if (invocation.echo) logger?.info(clean);
  };
  const pump = async (stream: AsyncIterable<unknown> | null, sink: (line: string) => void) => {
    if (!stream) return;
    let rest = '';
    for await (const chunk of stream) {
      const text = rest + String(chunk);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) sink(line.replace(/\r$/, ''));
    }
    if (rest) sink(rest);
  };
  const [result] = await Promise.all([
    child,
    pump(child.stdout, onStdout),
    pump(child.stderr, onStderr),
  ]);
  if (result.failed && result.exitCode === undefined) {
    if ((result as { code?: string }).code === 'ENOENT' || /ENOENT/.test(String(result.message)))
      throw new InfraError('TOFU_MISSING', 'tofu was not found on PATH', {
        hint: 'install the pinned toolchain: `pnpm tsx scripts/toolchain.ts install` (or ./infra setup)',
      });
    if (invocation.signal?.aborted)
      throw new InfraError('DEPLOY_INTERRUPTED', `tofu ${invocation.args[0]} was interrupted`, {
        hint: 'run the same command again: tofu picks up from the state it saved',
      });
  }
  return {
    exitCode: result.exitCode ?? 1,
    report,
    stdout: plain.join('\n'),
    stderr: errors.join('\n'),
  };
}
