import { join } from 'node:path';
import { z } from 'zod';
import type { ValidationContext } from './context';
import { runTool } from './exec';
import type { Finding } from './finding';
import { toRepoPath } from './paths';

const failedCheck = z.object({
  check_id: z.string(),
  check_name: z.string(),
  file_path: z.string(),
  file_abs_path: z.string().optional(),
  file_line_range: z.tuple([z.int(), z.int()]).optional(),
  resource: z.string().optional(),
  guideline: z.string().nullish(),
});
const report = z.object({
  check_type: z.string().optional(),
  results: z.object({ failed_checks: z.array(failedCheck).default([]) }).optional(),
  summary: z.object({ parsing_errors: z.int().default(0) }).optional(),
});

/**
 * checkov `-o json`: one report object per framework (an array when several ran), or just a summary object when
 * nothing was scanned. Every failed check is an error; skips live in .checkov.yaml with their reasons.
 */
export function parseCheckov(
  stdout: string,
  toRepoFile: (path: string) => string,
  scannedDir: string,
): Finding[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  const parsed = z.union([report, z.array(report)]).safeParse(json);
  if (!parsed.success) return undefined;
  const reports = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  return reports.flatMap((r) =>
    (r.results?.failed_checks ?? []).map((check) => ({
      file: toRepoFile(check.file_abs_path ?? join(scannedDir, check.file_path)),
      ...(check.file_line_range ? { line: check.file_line_range[0] } : {}),
      rule: check.check_id,
      severity: 'error' as const,
      message: `${check.check_name}${check.resource ? ` (${check.resource})` : ''}${check.guideline ? ` ${check.guideline}` : ''}`,
      tool: 'checkov',
    })),
  );
}

/** checkov over the project with the repo's one config file (skips and their reasons live there). */
export async function checkov(
  ctx: ValidationContext,
  frameworks: readonly ('terraform' | 'ansible')[],
): Promise<Finding[]> {
  const run = await runTool(
    'checkov',
    [
      '--directory',
      ctx.projectRoot,
      '--config-file',
      join(ctx.repoRoot, '.checkov.yaml'),
      '--framework',
      ...frameworks,
      '--output',
      'json',
      '--quiet',
      '--compact',
      // Offline: no Prisma Cloud guideline/severity download (it would time out on these machines).
      '--skip-download',
    ],
    {
      cwd: ctx.repoRoot,
      env: { ...ctx.env, BC_SKIP_MAPPING: 'TRUE' },
    },
  );
  const findings = parseCheckov(run.stdout, (path) => toRepoPath(ctx.repoRoot, path), ctx.projectRoot);
  if (findings === undefined) {
    return [
      {
        file: toRepoPath(ctx.repoRoot, ctx.projectRoot),
        rule: 'checkov',
        severity: 'error',
        message: `checkov failed (exit ${run.exitCode}): ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' ')}`,
        tool: 'checkov',
      },
    ];
  }
  return findings;
}
