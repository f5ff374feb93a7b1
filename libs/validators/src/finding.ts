import { isInfraError } from '@infra/core';
import { z } from 'zod';

/**
 * One problem a tool reported, in a shape every validator shares. `file` is relative to the repo root (or the
 * project root when nothing more precise is known); `rule` is the tool's own rule id (e.g. `fqcn[action-core]`,
 * `terraform_unused_declarations`, `CKV_ANSIBLE_1`) or one of ours in UPPER_SNAKE (e.g. `TOOL_MISSING`).
 */
export const findingSchema = z.object({
  file: z.string().min(1),
  line: z.int().positive().optional(),
  column: z.int().positive().optional(),
  rule: z.string().min(1),
  severity: z.enum(['error', 'warning']),
  message: z.string().min(1),
  tool: z.string().min(1),
});
export type Finding = z.infer<typeof findingSchema>;
export type Severity = Finding['severity'];

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.severity === 'error');
}

/** Stable order: by file, then line, then column, then rule; errors before warnings at the same spot. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
      a.rule.localeCompare(b.rule),
  );
}

/** Removes exact duplicates (two tools, or two passes of one tool, reporting the same thing). */
export function dedupeFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = JSON.stringify([
      finding.file,
      finding.line,
      finding.column,
      finding.severity,
      finding.rule,
      finding.message,
    ]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `file:line:col  severity  rule  message  (tool)`: clickable in terminals and editors. */
export function formatFinding(finding: Finding): string {
  const where = [finding.file, finding.line, finding.line === undefined ? undefined : finding.column]
    .filter((part) => part !== undefined)
    .join(':');
  const message = finding.message.replace(/\s*\n\s*/g, ' ').trim();
  return `${where}  ${finding.severity}  ${finding.rule}  ${message}  (${finding.tool})`;
}

export function summarize(findings: readonly Finding[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const finding of findings) if (finding.severity === 'error') errors++;
  return { errors, warnings: findings.length - errors };
}

/**
 * A configuration problem (an InfraError from @infra/config) as the one finding a validator reports instead of
 * running its tool; anything else is a bug and is rethrown.
 */
export function configErrorFinding(error: unknown, options: { withHint?: boolean } = {}): Finding {
  if (!isInfraError(error)) throw error;
  const hint = options.withHint && error.hint ? ` (${error.hint})` : '';
  return {
    file: 'infra.config.yaml',
    rule: error.code,
    severity: 'error',
    message: `${error.message}${hint}`,
    tool: 'infra',
  };
}
