import { z } from 'zod';
import type { Finding } from './finding';

/** `tofu validate -json` (same shape as terraform's): https://opentofu.org/docs/cli/commands/validate/ */
const position = z.object({ line: z.int(), column: z.int() });
const validateOutputSchema = z.object({
  valid: z.boolean(),
  diagnostics: z
    .array(
      z.object({
        severity: z.enum(['error', 'warning']),
        summary: z.string(),
        detail: z.string().optional(),
        range: z.object({ filename: z.string(), start: position }).optional(),
      }),
    )
    .default([]),
});

export function parseTofuValidate(
  stdout: string,
  toRepoFile: (toolPath: string) => string,
  fallbackFile: string,
): Finding[] {
  const parsed = validateOutputSchema.safeParse(safeJson(stdout));
  if (!parsed.success) {
    return [
      {
        file: fallbackFile,
        rule: 'TOOL_OUTPUT',
        severity: 'error',
        message: `tofu validate -json printed something that is not its JSON report: ${stdout.slice(0, 300)}`,
        tool: 'tofu',
      },
    ];
  }
  return parsed.data.diagnostics.map((diagnostic) => ({
    file: diagnostic.range ? toRepoFile(diagnostic.range.filename) : fallbackFile,
    ...(diagnostic.range ? { line: diagnostic.range.start.line, column: diagnostic.range.start.column } : {}),
    rule: `validate/${slug(diagnostic.summary)}`,
    severity: diagnostic.severity,
    message: diagnostic.detail ? `${diagnostic.summary}: ${diagnostic.detail}` : diagnostic.summary,
    tool: 'tofu',
  }));
}

/** tflint `--format=json`: issues found by rules, and errors (bad config, unparsable files). */
const tflintSchema = z.object({
  issues: z
    .array(
      z.object({
        rule: z.object({ name: z.string(), severity: z.string(), link: z.string().optional() }),
        message: z.string(),
        range: z.object({ filename: z.string(), start: position }),
      }),
    )
    .default([]),
  errors: z
    .array(
      z.object({
        message: z.string(),
        severity: z.string().optional(),
        range: z.object({ filename: z.string(), start: position }).optional(),
      }),
    )
    .default([]),
});

/**
 * tflint severities are error/warning/notice. The recommended preset's rules report "warning" for real defects
 * (unused declarations, missing version constraints), so warnings fail validation too; notices do not.
 */
export function parseTflint(
  stdout: string,
  toRepoFile: (toolPath: string) => string,
  fallbackFile: string,
): Finding[] {
  const parsed = tflintSchema.safeParse(safeJson(stdout));
  if (!parsed.success) {
    return [
      {
        file: fallbackFile,
        rule: 'TOOL_OUTPUT',
        severity: 'error',
        message: `tflint --format=json printed something that is not its JSON report: ${stdout.slice(0, 300)}`,
        tool: 'tflint',
      },
    ];
  }
  const issues: Finding[] = parsed.data.issues.map((issue) => ({
    file: toRepoFile(issue.range.filename),
    line: issue.range.start.line,
    column: issue.range.start.column,
    rule: issue.rule.name,
    severity: issue.rule.severity.toLowerCase() === 'notice' ? 'warning' : 'error',
    message: issue.message,
    tool: 'tflint',
  }));
  const errors: Finding[] = parsed.data.errors.map((error) => ({
    file: error.range ? toRepoFile(error.range.filename) : fallbackFile,
    ...(error.range ? { line: error.range.start.line, column: error.range.start.column } : {}),
    rule: 'tflint/error',
    severity: 'error',
    message: error.message,
    tool: 'tflint',
  }));
  return [...issues, ...errors];
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
