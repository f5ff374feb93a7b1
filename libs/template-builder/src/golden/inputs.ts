import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InfraError } from '@infra/core';
import { parse } from 'yaml';
import type { TemplateBuilderErrorCode } from '../error-codes';

/**
 * The files that define a golden template, found from the Packer template itself: every file under
 * `packer/<os>/` (the template, its variables, its cloud-init files) except READMEs, the Ansible playbooks the
 * template names (`ansible/playbooks/<name>.yml`), every role those playbooks apply and the roles they depend on
 * (`meta/main.yml` dependencies), and `ansible/ansible.cfg`. Returns repo-relative path → sha256, sorted.
 */
export async function goldenInputs(repoRoot: string, os: string): Promise<Record<string, string>> {
  const packerDir = join(repoRoot, 'packer', os);
  const packerFiles = (await listFiles(packerDir)).filter((f) => !/(^|\/)README\.md$/i.test(f));
  if (packerFiles.length === 0) {
    throw new InfraError<TemplateBuilderErrorCode>(
      'GOLDEN_TEMPLATE_MISSING',
      `packer/${os}/ has no Packer template`,
      {
        hint: `add packer/${os}/${os}.pkr.hcl, or build the base template only (--base-only)`,
      },
    );
  }
  const files = new Set(packerFiles.map((f) => join('packer', os, f)));
  const playbooks = new Set<string>();
  for (const file of packerFiles.filter((f) => f.endsWith('.pkr.hcl'))) {
    const text = await readFile(join(packerDir, file), 'utf8');
    for (const m of text.matchAll(/ansible\/playbooks\/([\w.-]+\.ya?ml)/g)) playbooks.add(m[1]!);
  }
  const roles = new Set<string>();
  for (const playbook of playbooks) {
    const path = join('ansible', 'playbooks', playbook);
    files.add(path);
    for (const role of playbookRoles(await readYaml(repoRoot, path))) roles.add(role);
  }
  for (const role of roles) await addRole(repoRoot, role, roles, files);
  if (playbooks.size > 0) files.add(join('ansible', 'ansible.cfg'));
  const hashes: Record<string, string> = {};
  for (const file of [...files].sort()) {
    const content = await readFile(join(repoRoot, file)).catch(() => undefined);
    if (content !== undefined) hashes[file] = createHash('sha256').update(content).digest('hex');
  }
  return hashes;
}

async function addRole(repoRoot: string, role: string, seen: Set<string>, files: Set<string>): Promise<void> {
  const dir = join('ansible', 'roles', role);
  const roleFiles = await listFiles(join(repoRoot, dir));
  if (roleFiles.length === 0) {
    throw new InfraError<TemplateBuilderErrorCode>(
      'GOLDEN_ROLE_MISSING',
      `the Ansible role "${role}" (${dir}) does not exist`,
      {
        hint: `create ${dir} or remove it from the playbook`,
      },
    );
  }
  for (const file of roleFiles) files.add(join(dir, file));
  const meta = roleFiles.includes('meta/main.yml')
    ? await readYaml(repoRoot, join(dir, 'meta/main.yml'))
    : {};
  for (const dependency of roleNames((meta as { dependencies?: unknown }).dependencies)) {
    if (seen.has(dependency)) continue;
    seen.add(dependency);
    await addRole(repoRoot, dependency, seen, files);
  }
}

/** `roles:` of every play: `- baseline` or `- role: baseline`. */
function playbookRoles(playbook: unknown): string[] {
  if (!Array.isArray(playbook)) return [];
  return playbook.flatMap((play) => roleNames((play as { roles?: unknown })?.roles));
}

function roleNames(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry) => {
    if (typeof entry === 'string') return [entry];
    const name = (entry as { role?: unknown; name?: unknown })?.role ?? (entry as { name?: unknown })?.name;
    return typeof name === 'string' ? [name] : [];
  });
}

async function readYaml(repoRoot: string, path: string): Promise<unknown> {
  try {
    return parse(await readFile(join(repoRoot, path), 'utf8'));
  } catch (error) {
    throw new InfraError<TemplateBuilderErrorCode>(
      'GOLDEN_INPUT_INVALID',
      `cannot read ${path}: ${(error as Error).message}`,
      {
        hint: 'fix the YAML (yamllint and ansible-lint name the line)',
        cause: error,
      },
    );
  }
}

/** Files below `dir`, relative and sorted; empty when it does not exist. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}
