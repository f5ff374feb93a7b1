import { join, relative } from 'node:path';
import type { ValidationContext } from './context';
import { runTool } from './exec';
import type { Finding } from './finding';
import { parseFmtDiff } from './fmt-diff';
import { diagnosticMessage, parseHclDiagnostics } from './hcl-diagnostics';
import { fromScratchPath, toRepoPath } from './paths';
import { copyProjectTree } from './scratch-copy';
import { parseTflint, parseTofuValidate } from './tofu-output';

/** `tofu fmt -check -recursive -diff`: read-only, so it runs on the real tree. */
export async function tofuFmt(ctx: ValidationContext): Promise<Finding[]> {
  const run = await runTool('tofu', ['fmt', '-check', '-recursive', '-diff', '-no-color'], {
    cwd: ctx.projectRoot,
    env: ctx.env,
  });
  if (run.exitCode === 0) return [];
  const unformatted = parseFmtDiff(run.stdout);
  if (unformatted.length === 0) {
    return [errorFinding(ctx, 'fmt', `tofu fmt failed: ${(run.stderr || run.stdout).trim()}`, 'tofu')];
  }
  return unformatted.map((entry) => ({
    file: toRepoPath(ctx.repoRoot, join(ctx.projectRoot, entry.file)),
    ...(entry.line ? { line: entry.line } : {}),
    rule: 'fmt',
    severity: 'error' as const,
    message: `not in canonical format${entry.excerpt ? ` (first difference: "${entry.excerpt}")` : ''}; run \`tofu fmt -recursive\``,
    tool: 'tofu',
  }));
}

/**
 * `tofu init -backend=false` then `tofu validate -json`, then tflint, in a scratch copy of the terraform tree:
 * init writes `.terraform.lock.hcl` and `.terraform/`, which must not land in the repo. TF_DATA_DIR is private
 * too. Providers come from the toolchain's filesystem mirror (TF_CLI_CONFIG_FILE in ctx.env).
 */
export async function tofuValidateAndLint(ctx: ValidationContext): Promise<Finding[]> {
  const scratch = await ctx.scratch('tofu');
  const copyRoot = join(scratch, 'tree');
  const cwd = await copyProjectTree(ctx.repoRoot, ctx.projectRoot, copyRoot);
  const env = { ...ctx.env, TF_DATA_DIR: join(scratch, 'data'), TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
  const toRepoFile = (path: string) => fromScratchPath(path, copyRoot, ctx.repoRoot, cwd);
  const projectFile = toRepoPath(ctx.repoRoot, ctx.projectRoot);

  const init = await runTool('tofu', ['init', '-backend=false', '-input=false', '-no-color'], { cwd, env });
  if (init.exitCode !== 0) {
    const diagnostics = parseHclDiagnostics(`${init.stdout}\n${init.stderr}`).filter(
      (d) => d.severity === 'error',
    );
    if (diagnostics.length === 0)
      return [errorFinding(ctx, 'init', `tofu init failed: ${init.stderr.trim()}`, 'tofu')];
    return diagnostics.map((diagnostic) => ({
      file: diagnostic.file ? toRepoFile(diagnostic.file) : projectFile,
      ...(diagnostic.line ? { line: diagnostic.line } : {}),
      rule: 'init',
      severity: 'error' as const,
      message: `${diagnosticMessage(diagnostic)}${initHint(diagnostic.summary)}`,
      tool: 'tofu',
    }));
  }

  const validate = await runTool('tofu', ['validate', '-json', '-no-color'], { cwd, env });
  const findings = parseTofuValidate(validate.stdout, toRepoFile, projectFile);
  if (validate.exitCode !== 0 && findings.length === 0) {
    findings.push(errorFinding(ctx, 'validate', `tofu validate failed: ${validate.stderr.trim()}`, 'tofu'));
  }

  const tflint = await runTool(
    'tflint',
    ['--format=json', '--no-color', `--config=${join(ctx.repoRoot, '.tflint.hcl')}`],
    { cwd, env },
  );
  findings.push(...parseTflint(tflint.stdout, toRepoFile, projectFile));
  if (tflint.exitCode === 1 && !tflint.stdout.trim()) {
    findings.push(errorFinding(ctx, 'tflint/error', `tflint failed: ${tflint.stderr.trim()}`, 'tflint'));
  }
  return findings;
}

function initHint(summary: string): string {
  return /provider|registry|query/i.test(summary)
    ? ' (providers come from the toolchain mirror: run ./infra setup, which writes TF_CLI_CONFIG_FILE)'
    : '';
}

function errorFinding(ctx: ValidationContext, rule: string, message: string, tool: string): Finding {
  return { file: relative(ctx.repoRoot, ctx.projectRoot) || '.', rule, severity: 'error', message, tool };
}
