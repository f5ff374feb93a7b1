import { formatFinding, summarize } from './finding';
import type { ValidationReport } from './kinds';

/** The human report: one line per finding, then a verdict line with counts and per-step timings. */
export function formatReport(report: ValidationReport): string {
  const lines = report.findings.map(formatFinding);
  const { errors, warnings } = summarize(report.findings);
  const timings = report.steps.map((s) => `${s.step} ${(s.durationMs / 1000).toFixed(1)}s`).join(', ');
  const verdict = report.ok ? 'ok' : 'FAILED';
  lines.push(
    `${report.project} (${report.kind}): ${verdict}, ${errors} error(s), ${warnings} warning(s)${timings ? ` [${timings}]` : ''}`,
  );
  return lines.join('\n');
}
