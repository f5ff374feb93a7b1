import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraError } from '@infra/core';
import { describe, expect, it } from 'vitest';
import { archiveNeed, archiveProblems, resolveArchiveSource } from './archives';
import { mainWorktreeRoot, sha256File, verifyArchives } from './archives-io';
import { parseManifest } from './manifest';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const ARCHIVE_TEXT = 'pretend tarball';

const specsWith = (talosSha: string) =>
  parseManifest(`
[_.infra.providers]
"bpg/proxmox" = "0.111.1"
"siderolabs/talos" = { version = "0.11.0", sha256 = "${talosSha}" }
[_.infra.packer-plugins]
"github.com/hashicorp/ansible" = { version = "1.1.6", sha256 = "${sha('ansible')}" }
`);

const thrown = async (promise: Promise<unknown>): Promise<InfraError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof InfraError)) throw new Error(`expected an InfraError, got ${String(error)}`);
  return error;
};

describe('resolveArchiveSource', () => {
  const dirs = new Set(['/work/shared/sources', '/elsewhere/archives']);
  const isDir = (path: string) => dirs.has(path);

  it('takes INFRA_SOURCE_ARCHIVES (absolute, or relative to the repo root) over the default', () => {
    expect(
      resolveArchiveSource({ INFRA_SOURCE_ARCHIVES: '/elsewhere/archives' }, ['/work/main'], isDir),
    ).toEqual({ kind: 'folder', dir: '/elsewhere/archives', from: 'setting' });
    expect(
      resolveArchiveSource({ INFRA_SOURCE_ARCHIVES: '../shared/sources' }, ['/work/main'], isDir),
    ).toEqual({
      kind: 'folder',
      dir: '/work/shared/sources',
      from: 'setting',
    });
  });

  it('defaults to ../shared/sources of the repo root, then of the main worktree (linked worktrees)', () => {
    expect(resolveArchiveSource({}, ['/work/main'], isDir)).toEqual({
      kind: 'folder',
      dir: '/work/shared/sources',
      from: 'default',
    });
    expect(resolveArchiveSource({}, ['/work/wt/toolchain', '/work/main'], isDir)).toMatchObject({
      dir: '/work/shared/sources',
    });
  });

  it('is `registry` when told so, and `missing` with what it tried otherwise', () => {
    expect(resolveArchiveSource({ INFRA_SOURCE_ARCHIVES: 'registry' }, ['/x'], isDir)).toEqual({
      kind: 'registry',
    });
    expect(resolveArchiveSource({}, ['/home/u/infra'], isDir)).toEqual({
      kind: 'missing',
      tried: ['/home/u/shared/sources'],
      fromSetting: false,
    });
    expect(resolveArchiveSource({ INFRA_SOURCE_ARCHIVES: '/nope' }, ['/x'], isDir)).toEqual({
      kind: 'missing',
      tried: ['/nope'],
      fromSetting: true,
    });
  });
});

describe('archiveNeed', () => {
  it('names the archive of archive-built tools with the pinned sha256, and nothing for proxy builds', () => {
    const specs = specsWith(sha(ARCHIVE_TEXT));
    const talos = archiveNeed(specs.find((s) => s.id === 'siderolabs/talos')!);
    expect(talos).toMatchObject({
      file: 'terraform-provider-talos-v0.11.0.tar.gz',
      expected: sha(ARCHIVE_TEXT),
    });
    expect(archiveNeed(specs.find((s) => s.id === 'bpg/proxmox')!)).toBeUndefined();
  });
});

describe('archive checks', () => {
  async function folder(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'infra-archives-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return dir;
  }

  it('passes archives whose sha256 is the pin, and returns their paths', async () => {
    const dir = await folder({ 'terraform-provider-talos-v0.11.0.tar.gz': ARCHIVE_TEXT });
    const talos = archiveNeed(specsWith(sha(ARCHIVE_TEXT)).find((s) => s.id === 'siderolabs/talos')!)!;
    const verified = await verifyArchives({ kind: 'folder', dir, from: 'setting' }, [talos]);
    expect(verified.get('siderolabs/talos')).toEqual({
      path: join(dir, 'terraform-provider-talos-v0.11.0.tar.gz'),
      sha256: sha(ARCHIVE_TEXT),
    });
    expect(await sha256File(join(dir, 'absent'))).toBeUndefined();
  });

  it('a changed archive is one error naming it, the expected and the actual sha256, and the fix', async () => {
    const dir = await folder({ 'terraform-provider-talos-v0.11.0.tar.gz': 'tampered' });
    const expected = sha(ARCHIVE_TEXT);
    const talos = archiveNeed(specsWith(expected).find((s) => s.id === 'siderolabs/talos')!)!;
    const error = await thrown(verifyArchives({ kind: 'folder', dir, from: 'default' }, [talos]));
    expect(error.code).toBe('TOOLCHAIN_ARCHIVE_INVALID');
    expect(error.message).toContain(join(dir, 'terraform-provider-talos-v0.11.0.tar.gz'));
    expect(error.message).toContain(`sha256 ${sha('tampered')}`);
    expect(error.message).toContain(`expected ${expected}`);
    expect(error.message).toContain('mise.toml [_.infra.providers] "siderolabs/talos"');
    expect(error.hint).toMatch(/unmodified `git archive`.*update version and sha256 in mise.toml/);
  });

  it('an archive missing from the folder, among several, is reported with the others in one error', async () => {
    const dir = await folder({ 'terraform-provider-talos-v0.11.0.tar.gz': 'tampered' });
    const specs = specsWith(sha(ARCHIVE_TEXT));
    const needs = specs.map(archiveNeed).filter((n) => n !== undefined);
    const error = await thrown(verifyArchives({ kind: 'folder', dir, from: 'default' }, needs));
    expect(error.message).toMatch(/^2 source archives are not as pinned/);
    expect(error.message).toContain(`${join(dir, 'packer-plugin-ansible-v1.1.6.tar.gz')} does not exist`);
    expect(error.message).toContain(`expects sha256 ${sha('ansible')}`);
  });

  it('a missing folder is one error listing every archive it needs, with the setting to use', async () => {
    const specs = specsWith(sha(ARCHIVE_TEXT));
    const needs = specs.map(archiveNeed).filter((n) => n !== undefined);
    const error = await thrown(
      verifyArchives({ kind: 'missing', tried: ['/home/u/shared/sources'], fromSetting: false }, needs),
    );
    expect(error.code).toBe('TOOLCHAIN_ARCHIVES_MISSING');
    expect(error.message).toContain('INFRA_SOURCE_ARCHIVES is not set and /home/u/shared/sources exists');
    expect(error.message).toContain(
      `terraform-provider-talos-v0.11.0.tar.gz (for siderolabs/talos 0.11.0, expected sha256 ${sha(ARCHIVE_TEXT)})`,
    );
    expect(error.message).toContain('packer-plugin-ansible-v1.1.6.tar.gz');
    expect(error.hint).toMatch(/set INFRA_SOURCE_ARCHIVES to the folder.*INFRA_SOURCE_ARCHIVES=registry/);
  });

  it('nothing to check in registry mode or when nothing is built from an archive', async () => {
    const talos = archiveNeed(specsWith(sha(ARCHIVE_TEXT)).find((s) => s.id === 'siderolabs/talos')!)!;
    expect((await verifyArchives({ kind: 'registry' }, [talos])).size).toBe(0);
    expect((await verifyArchives({ kind: 'missing', tried: ['/x'], fromSetting: false }, [])).size).toBe(0);
    expect(archiveProblems([])).toBeUndefined();
  });
});

describe('mainWorktreeRoot', () => {
  it("reads a linked worktree's .git file; a normal checkout has none", async () => {
    const root = await mkdtemp(join(tmpdir(), 'infra-wt-'));
    await writeFile(join(root, '.git'), 'gitdir: /work/main/.git/worktrees/toolchain\n');
    expect(mainWorktreeRoot(root)).toBe('/work/main');
    const plain = await mkdtemp(join(tmpdir(), 'infra-main-'));
    await mkdir(join(plain, '.git'));
    expect(mainWorktreeRoot(plain)).toBeUndefined();
  });
});
