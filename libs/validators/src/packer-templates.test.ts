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

/** A top-level `source "proxmox-iso" "nixos" {` or a build block's `source "proxmox-iso.nixos" {`. */
const SOURCE_BLOCK = /^(\s*source "proxmox-(?:clone|iso)(?:" "\w+|\.\w+)" \{\n)/m;

/** The files of packer/<os>/ holding a proxmox source block (generated shared part, or the OS's own part). */
const sourceFiles = async (os: string) => {
  const names = (await readdir(join(REPO_ROOT, 'packer', os)).catch(() => [])).filter((n) =>
    n.endsWith('.pkr.hcl'),
  );
  const found: string[] = [];
  for (const name of names.sort())
    if (SOURCE_BLOCK.test(await readFile(join(REPO_ROOT, 'packer', os, name), 'utf8'))) found.push(name);
  return found;
};

const proxmoxTemplates = async () => {
  const found: string[] = [];
  for (const os of await readdir(join(REPO_ROOT, 'packer')))
    if ((await sourceFiles(os)).length > 0) found.push(os);
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

async function copyTemplate(os: string, edit?: { file: string; change: (text: string) => string }) {
  const dir = join(scratch, 'packer', os);
  await rm(dir, { recursive: true, force: true });
  await cp(join(REPO_ROOT, 'packer', os), dir, { recursive: true });
  if (edit) {
    const file = join(dir, edit.file);
    await writeFile(file, edit.change(await readFile(file, 'utf8')));
  }
  return dir;
}

describe('the Packer templates, with the real plugins', () => {
  it('are the ones this test knows', async () => {
    expect(await proxmoxTemplates()).toEqual(['arch', 'debian', 'nixos', 'ubuntu', 'windows']);
  });

  it('each has its source block where the OS spec says: whole in <os>.pkr.hcl, or shared + the build block', async () => {
    const layout = Object.fromEntries(
      await Promise.all(
        ['arch', 'debian', 'nixos', 'ubuntu', 'windows'].map(async (os) => [os, await sourceFiles(os)]),
      ),
    );
    expect(layout).toEqual({
      arch: ['arch.pkr.hcl'],
      debian: ['debian.pkr.hcl'],
      nixos: ['nixos.pkr.hcl', 'source.pkr.hcl'],
      ubuntu: ['ubuntu.pkr.hcl'],
      windows: ['source.pkr.hcl', 'windows.pkr.hcl'],
    });
  });

  it.each(['arch', 'debian', 'nixos', 'ubuntu', 'windows'])(
    '%s: valid as committed; an unknown field in any of its proxmox source blocks fails validate, named',
    async (os) => {
      const clean = await validateProject('packer', await copyTemplate(os), { repoRoot: scratch });
      const problems = clean.findings.filter((f) => f.severity === 'error' || f.rule === 'PLUGIN_MISSING');
      expect(problems, JSON.stringify(problems)).toEqual([]);

      for (const file of await sourceFiles(os)) {
        const broken = await copyTemplate(os, {
          file,
          change: (text) => text.replace(SOURCE_BLOCK, '$1  infra_unknown_field = 1\n'),
        });
        const report = await validateProject('packer', broken, { repoRoot: scratch });
        expect(report.ok).toBe(false);
        const named = report.findings.filter(
          (f) => f.severity === 'error' && f.message.includes('infra_unknown_field'),
        );
        expect(named, JSON.stringify(report.findings)).not.toEqual([]);
        expect(named[0]!.file).toBe(`packer/${os}/${file}`);
      }
    },
    TIMEOUT,
  );
});
