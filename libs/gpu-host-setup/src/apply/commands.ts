import { InfraError } from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';
import type { Host } from '../host/host';

/** Runs the refresh commands in order and stops at the first failure (InfraError with the results so far). */
export async function runRefreshCommands(
  host: Host,
  commands: readonly string[][],
  progress: (message: string) => void,
): Promise<{ argv: string[]; exitCode: number }[]> {
  const results: { argv: string[]; exitCode: number }[] = [];
  for (const argv of commands) {
    progress(`running ${argv.join(' ')}`);
    const result = await host.run(argv);
    results.push({ argv, exitCode: result.exitCode });
    if (result.exitCode !== 0) {
      throw new InfraError<GpuHostErrorCode>(
        'HOST_COMMAND_FAILED',
        `\`${argv.join(' ')}\` failed on ${host.label} (exit ${result.exitCode}): ${result.stderr.trim()}`,
        {
          hint: 'the files are written; fix the cause and run apply again (it re-runs the commands), or run rollback',
          details: { results },
        },
      );
    }
  }
  return results;
}
