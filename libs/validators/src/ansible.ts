import { access, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseAnsibleLint, parseSyntaxCheck } from './ansible-output';
import type { ValidationContext } from './context';
import { runTool, type ToolEnv } from './exec';
import { isYamlFile, listFiles } from './files';
import type { Finding } from './finding';
import { toRepoPath } from './paths';

/** The directory holding the nearest ansible.cfg at or above the project (inside the repo), e.g. <repo>/ansible. */
export async function ansibleHome(ctx: ValidationContext): Promise<string> {
  for (let dir = ctx.projectRoot; ; dir = dirname(dir)) {
    const found = await access(join(dir, 'ansible.cfg')).then(
      () => true,
      () => false,
    );
    if (found) return dir;
    if (dir === ctx.repoRoot || dirname(dir) === dir) return ctx.projectRoot;
  }
}

function ansibleEnv(ctx: ValidationContext, home: string): ToolEnv {
  return {
    ...ctx.env,
    ANSIBLE_CONFIG: join(home, 'ansible.cfg'),
    ANSIBLE_NOCOLOR: '1',
    NO_COLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
  };
}

/** YAML files whose top level is a list of plays (`hosts:` or `import_playbook:` entries). */
export async function findPlaybooks(dir: string): Promise<string[]> {
  const playbooks: string[] = [];
  for (const path of (await listFiles(dir)).filter(isYamlFile)) {
    if (/\/(roles|group_vars|host_vars|collections)\//.test(relative(dir, path).replaceAll('\\', '/')))
      continue;
    let doc: unknown;
    try {
      doc = parse(await readFile(path, 'utf8'));
    } catch {
      playbooks.push(path); // unparsable: let the syntax check say why
      continue;
    }
    const isPlay = (entry: unknown) =>
      typeof entry === 'object' &&
      entry !== null &&
      ('hosts' in entry || 'import_playbook' in entry || 'ansible.builtin.import_playbook' in entry);
    if (Array.isArray(doc) && doc.length > 0 && doc.every(isPlay)) playbooks.push(path);
  }
  return playbooks;
}

/** `ansible-playbook --syntax-check` for each playbook. */
export async function ansibleSyntaxCheck(
  ctx: ValidationContext,
  playbooks: readonly string[],
): Promise<Finding[]> {
  const home = await ansibleHome(ctx);
  const findings: Finding[] = [];
  for (const playbook of playbooks) {
    const run = await runTool('ansible-playbook', ['--syntax-check', '-i', 'localhost,', playbook], {
      cwd: home,
      env: ansibleEnv(ctx, home),
    });
    if (run.exitCode === 0) continue;
    const problems = parseSyntaxCheck(`${run.stderr}\n${run.stdout}`);
    if (problems.length === 0) problems.push({ message: (run.stderr || run.stdout).trim().slice(0, 500) });
    for (const problem of problems) {
      findings.push({
        file: toRepoPath(ctx.repoRoot, problem.file ? resolve(home, problem.file) : playbook),
        ...(problem.line ? { line: problem.line } : {}),
        ...(problem.line && problem.column ? { column: problem.column } : {}),
        rule: 'syntax-check',
        severity: 'error',
        message: problem.message,
        tool: 'ansible-playbook',
      });
    }
  }
  return findings;
}

/** A role has no playbook of its own: syntax-check a throw-away play that applies it by path. */
export async function ansibleRoleSyntaxCheck(ctx: ValidationContext): Promise<Finding[]> {
  const scratch = await ctx.scratch('ansible-role');
  const playbook = join(scratch, 'apply-role.yml');
  await writeFile(
    playbook,
    `- name: Syntax check\n  hosts: all\n  roles:\n    - role: ${JSON.stringify(ctx.projectRoot)}\n`,
  );
  return ansibleSyntaxCheck(ctx, [playbook]);
}

/** `ansible-lint --profile production` on playbooks or a role, offline (no Galaxy downloads). */
export async function ansibleLint(ctx: ValidationContext, targets: readonly string[]): Promise<Finding[]> {
  if (targets.length === 0) return [];
  const home = await ansibleHome(ctx);
  const run = await runTool(
    'ansible-lint',
    [
      '--profile',
      'production',
      '-f',
      'codeclimate',
      '--offline',
      '--nocolor',
      ...targets.map((t) => relative(home, t) || '.'),
    ],
    { cwd: home, env: ansibleEnv(ctx, home), timeoutMs: 600_000 },
  );
  const findings = parseAnsibleLint(run.stdout, (path) => toRepoPath(ctx.repoRoot, resolve(home, path)));
  if (findings === undefined || (run.exitCode !== 0 && findings.length === 0)) {
    return [
      {
        file: toRepoPath(ctx.repoRoot, ctx.projectRoot),
        rule: 'ansible-lint',
        severity: 'error',
        message: `ansible-lint failed (exit ${run.exitCode}): ${(run.stderr || run.stdout).trim().split('\n').slice(-5).join(' ')}`,
        tool: 'ansible-lint',
      },
    ];
  }
  return findings;
}
