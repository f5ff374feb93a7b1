import { readFile } from 'node:fs/promises';
import { parseCloudInitSchema } from './cloud-init-output';
import type { ValidationContext } from './context';
import { runTool } from './exec';
import { isCloudInitUserData, listFiles } from './files';
import type { Finding } from './finding';
import { toRepoPath } from './paths';
import { lineOfPath, splitDottedPath } from './yaml-locate';

/** Every cloud-init user-data file of the project (`**\/cloud-init/**\/*user-data*`). */
export async function cloudInitFiles(ctx: ValidationContext): Promise<string[]> {
  return (await listFiles(ctx.projectRoot)).filter((path) =>
    isCloudInitUserData(toRepoPath(ctx.repoRoot, path)),
  );
}

/** `cloud-init schema --config-file` for each user-data file; schema paths are mapped back to lines. */
export async function cloudInitSchema(ctx: ValidationContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const path of await cloudInitFiles(ctx)) {
    const file = toRepoPath(ctx.repoRoot, path);
    const run = await runTool('cloud-init', ['schema', '--config-file', path], {
      cwd: ctx.projectRoot,
      env: ctx.env,
    });
    const problems = parseCloudInitSchema(run.stdout, run.stderr);
    const text = problems.some((p) => p.path) ? await readFile(path, 'utf8') : '';
    for (const problem of problems) {
      const line =
        problem.line ?? (problem.path ? lineOfPath(text, splitDottedPath(problem.path)) : undefined);
      findings.push({
        file,
        ...(line ? { line } : {}),
        ...(problem.column && line ? { column: problem.column } : {}),
        rule: problem.severity === 'error' ? 'schema' : 'deprecated',
        severity: problem.severity,
        message: problem.message.replaceAll(path, file),
        tool: 'cloud-init',
      });
    }
    if (run.exitCode !== 0 && !problems.some((p) => p.severity === 'error')) {
      findings.push({
        file,
        rule: 'schema',
        severity: 'error',
        message: `cloud-init schema failed (exit ${run.exitCode}): ${(run.stderr || run.stdout).trim().slice(0, 500)}`,
        tool: 'cloud-init',
      });
    }
  }
  return findings;
}
