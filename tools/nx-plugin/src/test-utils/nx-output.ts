/** What one `nx run-many`/`nx affected --output-style=static` run did, read from its output. */
export interface RunSummary {
  /** Projects whose task of the target ran or was replayed. */
  ran: string[];
  /** Tasks Nx read from the cache instead of running. */
  cached: number;
  /** Tasks that failed (`Failed tasks:` list). */
  failed: string[];
}

export function summarizeRun(output: string, target = 'validate'): RunSummary {
  const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const ran = [...output.matchAll(new RegExp(`^> nx run ([^:\\s]+):${escaped}`, 'gm'))].map((m) => m[1]!);
  const cached = /read the output from the cache instead of running the command for (\d+) out of/.exec(
    output,
  );
  const failedBlock = /Failed tasks:\s*\n((?:\s*- \S+\n?)+)/.exec(output);
  const failed = failedBlock ? [...failedBlock[1]!.matchAll(/- (\S+)/g)].map((m) => m[1]!) : [];
  return { ran: [...new Set(ran)], cached: cached ? Number(cached[1]) : 0, failed };
}
