import { join } from 'node:path';
import type { ValidationContext } from './context';
import { runTool } from './exec';
import type { Finding } from './finding';
import { toRepoPath } from './paths';

/** `yamllint -f parsable`: `path:line:col: [error|warning] message (rule)`. */
const LINE = /^(.+?):(\d+):(\d+): \[(error|warning)\] (.*?)(?: \(([\w-]+)\))?$/;

export function parseYamllint(stdout: string, toRepoFile: (path: string) => string): Finding[] {
  const findings: Finding[] = [];
  for (const line of stdout.split('\n')) {
    const match = LINE.exec(line.trim());
    if (!match) continue;
    findings.push({
      file: toRepoFile(match[1]!),
      line: Number(match[2]),
      column: Number(match[3]),
      rule: match[6] ?? 'syntax',
      severity: match[4] === 'warning' ? 'warning' : 'error',
      message: match[5]!,
      tool: 'yamllint',
    });
  }
  return findings;
}

/** yamllint over the project directory with the one repo config (.yamllint.yaml, which also lists ignores). */
export async function yamllint(ctx: ValidationContext): Promise<Finding[]> {
  const run = await runTool(
    'yamllint',
    ['-f', 'parsable', '-c', join(ctx.repoRoot, '.yamllint.yaml'), ctx.projectRoot],
    { cwd: ctx.repoRoot, env: ctx.env },
  );
  const findings = parseYamllint(run.stdout, (path) => toRepoPath(ctx.repoRoot, path));
  if (run.exitCode !== 0 && findings.length === 0) {
    findings.push({
      file: toRepoPath(ctx.repoRoot, ctx.projectRoot),
      rule: 'yamllint',
      severity: 'error',
      message: `yamllint failed (exit ${run.exitCode}): ${(run.stderr || run.stdout).trim().slice(0, 500)}`,
      tool: 'yamllint',
    });
  }
  return findings;
}
