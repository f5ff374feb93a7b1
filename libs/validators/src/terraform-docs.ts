import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@infra/core';
import type { ValidationContext } from './context';
import { runTool } from './exec';
import type { Finding } from './finding';
import { toRepoPath } from './paths';
import { checkDocsSection, DOCS_BEGIN, DOCS_END, injectDocsSection } from './terraform-docs-section';

/** Fresh `terraform-docs markdown table` output for the module (read-only). */
async function renderDocs(ctx: ValidationContext): Promise<{ markdown: string } | { failure: string }> {
  const run = await runTool('terraform-docs', ['markdown', 'table', '.'], {
    cwd: ctx.projectRoot,
    env: ctx.env,
  });
  if (run.exitCode !== 0) return { failure: (run.stderr || run.stdout).trim() };
  return { markdown: run.stdout };
}

/** A module's README must carry the current terraform-docs output between the markers. */
export async function terraformDocsCheck(
  ctx: ValidationContext,
  options: { fix?: boolean } = {},
): Promise<Finding[]> {
  const readmePath = join(ctx.projectRoot, 'README.md');
  const file = toRepoPath(ctx.repoRoot, readmePath);
  const rendered = await renderDocs(ctx);
  if ('failure' in rendered) {
    return [
      { file, rule: 'terraform-docs', severity: 'error', message: rendered.failure, tool: 'terraform-docs' },
    ];
  }
  const readme = await readFile(readmePath, 'utf8').catch(() => undefined);
  const result = checkDocsSection(readme ?? '', rendered.markdown);
  if (result.status === 'up-to-date') return [];
  if (options.fix) {
    await writeFileAtomic(
      readmePath,
      injectDocsSection(readme ?? `# ${file.split('/').at(-2)}\n`, rendered.markdown),
    );
    return [];
  }
  const fix = `run \`./infra validate terraform ${toRepoPath(ctx.repoRoot, ctx.projectRoot)} --fix\``;
  if (result.status === 'missing-markers') {
    return [
      {
        file,
        rule: 'terraform-docs',
        severity: 'error',
        message: `${readme === undefined ? 'module has no README.md' : `README.md has no ${DOCS_BEGIN} ... ${DOCS_END} section`} for the generated inputs/outputs; ${fix}`,
        tool: 'terraform-docs',
      },
    ];
  }
  return [
    {
      file,
      line: result.line,
      rule: 'terraform-docs',
      severity: 'error',
      message: `README.md is out of date with the module's variables/outputs: expected "${result.expected}", found "${result.actual}"; ${fix}`,
      tool: 'terraform-docs',
    },
  ];
}
