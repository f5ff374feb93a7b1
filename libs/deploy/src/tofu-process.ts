import { type Logger, runProcess } from '@infra/core';
import { assertNoSecretsInArgs } from '@infra/sops-secrets';
import { emptyReport, parseEvent, progressLine, type RunReport, recordEvent } from './tofu-events';

/**
 * One `tofu` invocation through the repo's process runner: only the environment it is given, output
 * streamed line by line (redacted), `-json` events folded into a report, the process group stopped when
 * the signal aborts. Secrets travel only in `env`; argv is checked for them.
 */
export interface TofuInvocation {
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  logger?: Logger;
  signal?: AbortSignal;
  /** Echo every plain (non-JSON) output line; otherwise only progress events are shown. */
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

export async function runTofu(invocation: TofuInvocation): Promise<TofuOutcome> {
  const { logger } = invocation;
  assertNoSecretsInArgs('tofu', invocation.args);
  const report = emptyReport();
  const plain: string[] = [];
  const errors: string[] = [];
  const onLine = (line: string, stream: 'stdout' | 'stderr') => {
    if (stream === 'stderr') {
      errors.push(line);
      if (invocation.echo) logger?.info(line);
      return;
    }
    const event = parseEvent(line);
    if (!event) {
      plain.push(line);
      if (invocation.echo) logger?.info(line);
      return;
    }
    recordEvent(report, event);
    const progress = progressLine(event);
    if (progress) logger?.info(progress);
  };
  // Base variables (PATH, HOME, TMPDIR, ...) come from `env` only: the parent's are dropped.
  const unset = { PATH: undefined, HOME: undefined, TMPDIR: undefined, LANG: undefined, TZ: undefined };
  const result = await runProcess('tofu', invocation.args, {
    cwd: invocation.cwd,
    env: { ...unset, ...invocation.env },
    output: 'stream',
    onLine,
    ...(invocation.signal ? { signal: invocation.signal } : {}),
  });
  return { exitCode: result.exitCode, report, stdout: plain.join('\n'), stderr: errors.join('\n') };
}
