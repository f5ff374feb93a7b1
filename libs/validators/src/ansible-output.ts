import { stripVTControlCharacters } from 'node:util';
import { z } from 'zod';
import type { Finding } from './finding';

/**
 * `ansible-playbook --syntax-check` failures. ansible-core 2.19 prints
 *   [ERROR]: conflicting action statements: ansible.builtin.debug, bogus_keyword
 *   Origin: /abs/playbooks/bad.yml:5:7
 * older cores print `ERROR! <message>` and `The error appears to be in '<file>': line 5, column 7`.
 */
export interface SyntaxProblem {
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export function parseSyntaxCheck(output: string): SyntaxProblem[] {
  const text = stripVTControlCharacters(output);
  const problems: SyntaxProblem[] = [];
  const blocks = text
    .split(/^(?=\[ERROR\]: |ERROR! )/m)
    .filter((block) => /^(\[ERROR\]: |ERROR! )/.test(block));
  for (const block of blocks) {
    const message = /^(?:\[ERROR\]: |ERROR! )(.*)$/m.exec(block)?.[1]?.trim() ?? block.trim();
    const origin = /^Origin: (.+?):(\d+)(?::(\d+))?\s*$/m.exec(block);
    const legacy = /The error appears to be in '(.+?)': line (\d+), column (\d+)/.exec(block);
    const where = origin ?? legacy;
    problems.push({
      message,
      ...(where ? { file: where[1]!, line: Number(where[2]) } : {}),
      ...(where?.[3] ? { column: Number(where[3]) } : {}),
    });
  }
  return problems;
}

/** ansible-lint `-f codeclimate` (what `-f json` prints). `minor` marks warnings, `major` errors. */
const codeclimateSchema = z.array(
  z.object({
    check_name: z.string(),
    description: z.string(),
    severity: z.string().optional(),
    location: z.object({
      path: z.string(),
      lines: z
        .object({ begin: z.union([z.int(), z.object({ line: z.int(), column: z.int().optional() })]) })
        .optional(),
      positions: z.object({ begin: z.object({ line: z.int(), column: z.int().optional() }) }).optional(),
    }),
    content: z.object({ body: z.string().optional() }).optional(),
  }),
);

export function parseAnsibleLint(
  stdout: string,
  toRepoFile: (path: string) => string,
): Finding[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(stdout.trim() || '[]');
  } catch {
    return undefined;
  }
  const parsed = codeclimateSchema.safeParse(json);
  if (!parsed.success) return undefined;
  return parsed.data.map((issue) => {
    const begin = issue.location.positions?.begin ?? issue.location.lines?.begin;
    const line = typeof begin === 'number' ? begin : begin?.line;
    const column = typeof begin === 'object' ? begin.column : undefined;
    const hint =
      issue.content?.body && issue.content.body !== issue.description ? ` ${issue.content.body}` : '';
    return {
      file: toRepoFile(issue.location.path),
      ...(line ? { line } : {}),
      ...(line && column ? { column } : {}),
      rule: issue.check_name,
      severity: issue.severity === 'minor' || issue.severity === 'info' ? 'warning' : 'error',
      message: `${issue.description}${hint}`,
      tool: 'ansible-lint',
    } satisfies Finding;
  });
}
