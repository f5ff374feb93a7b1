import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateProject } from './kinds';

/**
 * Every Packer template of the repo, through the real validator (`nx run <os>:validate` runs the same):
 * as committed it passes; with an unknown field in its proxmox-clone or proxmox-iso source it fails, naming the
 * field. That second half is what only the real hashicorp/proxmox plugin can check: without it the validator
 * falls back to a stub and warns PLUGIN_MISSING, and these tests fail saying so.
 */
const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const TIMEOUT = 300_000;

const proxmoxTemplates = async () => {
  const found: string[] = [];
  for (const os of await readdir(join(REPO_ROOT, 'packer'))) {
    const file = join(REPO_ROOT, 'packer', os, `${os}.pkr.hcl`);
    const text = await readFile(file, 'utf8').catch(() => '');
    if (/^source "proxmox-(clone|iso)"/m.test(text)) found.push(os);
  }
  return found.sort();
};

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'packer-templates-'));
  for (const path of ['infra.config.yaml', 'ansible', '.yamllint.yaml']) {
    await cp(join(REPO_ROOT, path), join(scratch, path), { recursive: true });
  }
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function copyTemplate(os: string, edit?: (text: string) => string): Promise<string> {
  const dir = join(scratch, 'packer', os);
  await rm(dir, { recursive: true, force: true });
  await cp(join(REPO_ROOT, 'packer', os), dir, { recursive: true });
  if (edit) {
    const file = join(dir, `${os}.pkr.hcl`);
    await writeFile(file, edit(await readFile(file, 'utf8')));
  }
  return dir;
}

describe('the Packer templates, with the real plugins', () => {
  it('are the ones this test knows', async () => {
    expect(await proxmoxTemplates()).toEqual(['arch', 'debian', 'nixos', 'ubuntu', 'windows']);
  });

  it.each(['arch', 'debian', 'nixos', 'ubuntu', 'windows'])(
    '%s: valid as committed; an unknown field in its proxmox source fails validate, named',
    async (os) => {
      const clean = await validateProject('packer', await copyTemplate(os), { repoRoot: scratch });
      const problems = clean.findings.filter((f) => f.severity === 'error' || f.rule === 'PLUGIN_MISSING');
      expect(problems, JSON.stringify(problems)).toEqual([]);

      const broken = await copyTemplate(os, (text) =>
        text.replace(/^(source "proxmox-(?:clone|iso)" "\w+" \{\n)/m, '$1  infra_unknown_field = 1\n'),
      );
      const report = await validateProject('packer', broken, { repoRoot: scratch });
      expect(report.ok).toBe(false);
      const named = report.findings.filter(
        (f) => f.severity === 'error' && f.message.includes('infra_unknown_field'),
      );
      expect(named, JSON.stringify(report.findings)).not.toEqual([]);
      expect(named[0]!.file).toBe(`packer/${os}/${os}.pkr.hcl`);
    },
    TIMEOUT,
  );
});
