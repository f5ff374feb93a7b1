/**
 * Source archives for the modules no registry here serves (the Talos provider, the Packer plugins): where
 * the folder is, which archive each tool needs, and the errors when one is missing or altered. Pure; the
 * file system is reached through archives-io.ts.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { InfraError } from '@infra/core';
import type { ToolchainErrorCode } from './error-codes';
import type { ToolSpec } from './manifest';

/** The setting naming the folder; `registry` leaves these tools to `tofu init` / `packer init` instead. */
export const SOURCE_ARCHIVES_SETTING = 'INFRA_SOURCE_ARCHIVES';
export const REGISTRY_SETTING_VALUE = 'registry';
/** Where the folder is by default, relative to the repository root (the main worktree's, for a linked one). */
export const DEFAULT_ARCHIVES_DIR = join('..', 'shared', 'sources');

export type ArchiveSource =
  | { kind: 'folder'; dir: string; from: 'setting' | 'default' }
  | { kind: 'registry' }
  | { kind: 'missing'; tried: readonly string[]; fromSetting: boolean };

/**
 * $INFRA_SOURCE_ARCHIVES (absolute, or relative to the repo root) when set, else the first existing
 * `../shared/sources` next to one of `roots` (the repo root, then the main worktree's root).
 */
export function resolveArchiveSource(
  env: NodeJS.ProcessEnv,
  roots: readonly string[],
  isDirectory: (path: string) => boolean,
): ArchiveSource {
  const setting = env[SOURCE_ARCHIVES_SETTING]?.trim();
  if (setting === REGISTRY_SETTING_VALUE) return { kind: 'registry' };
  if (setting) {
    const dir = isAbsolute(setting) ? setting : resolve(roots[0] ?? '.', setting);
    return isDirectory(dir)
      ? { kind: 'folder', dir, from: 'setting' }
      : { kind: 'missing', tried: [dir], fromSetting: true };
  }
  const tried = [...new Set(roots.map((root) => resolve(root, DEFAULT_ARCHIVES_DIR)))];
  const dir = tried.find(isDirectory);
  return dir ? { kind: 'folder', dir, from: 'default' } : { kind: 'missing', tried, fromSetting: false };
}

/** One archive a tool is built from, with the sha256 mise.toml pins for it. */
export interface ArchiveNeed {
  spec: ToolSpec;
  file: string;
  expected: string;
}

export function archiveNeed(spec: ToolSpec): ArchiveNeed | undefined {
  const { recipe } = spec;
  if (!('go' in recipe) || recipe.go.method !== 'archive') return undefined;
  if (!recipe.go.archive || !spec.sha256) {
    throw new Error(
      `${spec.id}: an archive recipe needs go.archive and a sha256 pin (manifest.ts checks this)`,
    );
  }
  return { spec, file: recipe.go.archive(spec.version), expected: spec.sha256 };
}

/** What was found for an archive: its path, and its sha256 (undefined when the file does not exist). */
export interface ArchiveFinding {
  need: ArchiveNeed;
  path: string;
  actual: string | undefined;
}

const pinName = (need: ArchiveNeed) => `mise.toml ${need.spec.table} "${need.spec.key}"`;

const REGISTRY_FIX = `or, where the OpenTofu registry and GitHub are reachable, ${SOURCE_ARCHIVES_SETTING}=${REGISTRY_SETTING_VALUE} (tofu init / packer init then download them)`;

export function archivesFolderMissing(
  source: ArchiveSource & { kind: 'missing' },
  needs: readonly ArchiveNeed[],
): InfraError {
  const where = source.fromSetting
    ? `${SOURCE_ARCHIVES_SETTING}=${source.tried[0]} is not a directory`
    : `${SOURCE_ARCHIVES_SETTING} is not set and ${source.tried.join(' nor ')} exists`;
  const list = needs.map(
    (n) => `    ${n.file} (for ${n.spec.id} ${n.spec.version}, expected sha256 ${n.expected})`,
  );
  return new InfraError<ToolchainErrorCode>(
    'TOOLCHAIN_ARCHIVES_MISSING',
    `the source archives folder is missing: ${where}; needed:\n${list.join('\n')}`,
    {
      hint: `set ${SOURCE_ARCHIVES_SETTING} to the folder holding these archives (the unmodified \`git archive\` of each release tag), ${REGISTRY_FIX}`,
      details: { tried: source.tried, archives: needs.map((n) => n.file) },
    },
  );
}

/** The problems among the findings (a missing file, a checksum that is not the pin), as one error; or undefined. */
export function archiveProblems(findings: readonly ArchiveFinding[]): InfraError | undefined {
  const bad = findings.filter((f) => f.actual !== f.need.expected);
  if (bad.length === 0) return undefined;
  const lines = bad.map((f) =>
    f.actual === undefined
      ? `${f.path} does not exist (${pinName(f.need)} expects sha256 ${f.need.expected})`
      : `${f.path}: sha256 ${f.actual} is not the one ${pinName(f.need)} pins: expected ${f.need.expected}`,
  );
  const changed = bad.some((f) => f.actual !== undefined);
  return new InfraError<ToolchainErrorCode>(
    'TOOLCHAIN_ARCHIVE_INVALID',
    `${bad.length === 1 ? 'a source archive is' : `${bad.length} source archives are`} not as pinned:\n${lines.map((l) => `    ${l}`).join('\n')}`,
    {
      hint: changed
        ? 'put back the unmodified `git archive` of the release tag (a changed archive is never built); if the version changed on purpose, update version and sha256 in mise.toml together'
        : `copy the archive into ${SOURCE_ARCHIVES_SETTING} (or point the setting at the folder that has it), ${REGISTRY_FIX}`,
      details: {
        archives: bad.map((f) => ({ file: f.path, expected: f.need.expected, actual: f.actual ?? null })),
      },
    },
  );
}
