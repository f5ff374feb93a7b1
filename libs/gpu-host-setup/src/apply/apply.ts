import { posix } from 'node:path';
import { InfraError } from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';
import type { RawFacts } from '../facts/raw-facts';
import type { Host } from '../host/host';
import type { FileChange, HostPlan } from '../plan/planner';
import {
  backupSetName,
  DEFAULT_BACKUP_ROOT,
  latestEffectiveSet,
  type Manifest,
  sha256,
  writeManifest,
} from './backup-set';
import { runRefreshCommands } from './commands';

export interface ApplyOptions {
  backupRoot?: string;
  now?: () => Date;
  /** Progress lines (the script sends them to the logger). */
  progress?: (message: string) => void;
  /** Skipped backup sets (default: progress). */
  warn?: (message: string) => void;
}

export interface ApplyResult {
  status: 'no-op' | 'applied' | 'commands-rerun';
  backupDir?: string;
  changed: string[];
  commands: { argv: string[]; exitCode: number }[];
  rebootRequired: boolean;
}

/** Nearest existing ancestor directory of a path (where a new file's parent directories would be created). */
async function nearestExistingDir(host: Host, path: string): Promise<string> {
  let dir = posix.dirname(path);
  for (;;) {
    const info = await host.stat(dir);
    if (info?.type === 'dir') return dir;
    if (info !== undefined && info.type !== 'symlink') {
      throw new InfraError<GpuHostErrorCode>(
        'HOST_FILE_UNWRITABLE',
        `cannot write ${path} on ${host.label}: ${dir} is not a directory`,
        {
          hint: `fix ${dir} on the host (it should be a directory), then plan again`,
          details: { path },
        },
      );
    }
    if (info?.type === 'symlink') return dir; // a symlinked directory: the probe below decides
    dir = posix.dirname(dir);
  }
}

/** Everything that can be checked before the first byte changes: file types, concurrent edits, writability. */
async function preflight(
  host: Host,
  changes: readonly FileChange[],
  backupRoot: string,
): Promise<Map<string, Buffer | undefined>> {
  const current = await host.readFiles(changes.map((c) => c.path));
  for (const change of changes) {
    const info = await host.stat(change.path);
    if (info !== undefined && info.type !== 'file') {
      throw new InfraError<GpuHostErrorCode>(
        'HOST_FILE_UNWRITABLE',
        `cannot write ${change.path} on ${host.label}: it is a ${info.type}, not a regular file`,
        {
          hint: 'fix the path on the host, then plan again',
          details: { path: change.path },
        },
      );
    }
    const now = current.get(change.path)?.toString('utf8');
    if (now !== change.before) {
      throw new InfraError<GpuHostErrorCode>(
        'HOST_CHANGED_SINCE_PLAN',
        `${change.path} changed on ${host.label} after the plan was made`,
        {
          hint: 'run plan (or apply) again to work from the current content',
          details: { path: change.path },
        },
      );
    }
    await host.probeWritable(await nearestExistingDir(host, change.path));
  }
  await host.makeDir(backupRoot, 0o700);
  await host.probeWritable(backupRoot);
  return current;
}

async function writeChange(host: Host, change: FileChange, mode: number): Promise<void> {
  if (change.after === undefined) await host.removeFile(change.path);
  else await host.writeFileAtomic(change.path, change.after, { mode });
}

/** Puts back the files written so far, after a write failed part-way. */
async function restoreWritten(
  host: Host,
  written: Manifest['entries'],
  originals: Map<string, Buffer | undefined>,
): Promise<string[]> {
  const failures: string[] = [];
  for (const entry of [...written].reverse()) {
    try {
      const original = originals.get(entry.path);
      if (original === undefined) await host.removeFile(entry.path);
      else await host.writeFileAtomic(entry.path, original, { mode: entry.mode ?? 0o644 });
    } catch (error) {
      failures.push(`${entry.path}: ${(error as Error).message}`);
    }
  }
  return failures;
}

/** sha256 of every watched config file as it is after the apply (computed from the facts, no extra read). */
function watchedAfter(facts: RawFacts, changes: readonly FileChange[]): Record<string, string> {
  const files: Record<string, string | undefined> = { ...facts.files };
  for (const change of changes) files[change.path] = change.after;
  return Object.fromEntries(
    Object.entries(files)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, content]) => [path, sha256(content)]),
  );
}

/**
 * Applies a plan: backs up every file it touches (with mode and sha256) into a new timestamped set, writes each
 * file atomically, then runs the refresh commands. Never reboots. A failed write puts back what was written, so
 * the host ends as it was. With nothing to change it does nothing (unless the last apply's commands failed:
 * then it runs them again).
 */
export async function applyPlan(
  host: Host,
  plan: HostPlan,
  facts: RawFacts,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const backupRoot = options.backupRoot ?? DEFAULT_BACKUP_ROOT;
  const progress = options.progress ?? (() => {});
  if (plan.changes.length === 0) {
    const latest = await latestEffectiveSet(host, backupRoot, options.warn ?? progress);
    if (latest?.manifest.status === 'commands-failed') {
      progress(`the last apply (${latest.dir}) did not finish its commands; running them again`);
      const results = await runRefreshCommands(host, latest.manifest.commands, progress);
      await writeManifest(host, latest.dir, {
        ...latest.manifest,
        status: 'applied',
        commandResults: results,
      });
      return {
        status: 'commands-rerun',
        backupDir: latest.dir,
        changed: [],
        commands: results,
        rebootRequired: plan.rebootRequired,
      };
    }
    return { status: 'no-op', changed: [], commands: [], rebootRequired: plan.rebootRequired };
  }

  const originals = await preflight(host, plan.changes, backupRoot);
  const setDir = posix.join(backupRoot, backupSetName((options.now ?? (() => new Date()))()));
  await host.makeDir(setDir, 0o700);
  const entries: Manifest['entries'] = [];
  for (const change of plan.changes) {
    const original = originals.get(change.path);
    if (original === undefined) {
      entries.push({ path: change.path, action: change.action, existed: false });
      continue;
    }
    const info = (await host.stat(change.path))!;
    const backupFile = posix.join('files', change.path);
    await host.writeFileAtomic(posix.join(setDir, backupFile), original, { mode: info.mode });
    entries.push({
      path: change.path,
      action: change.action,
      existed: true,
      mode: info.mode,
      uid: info.uid,
      gid: info.gid,
      sha256Before: sha256(original),
      backupFile,
    });
  }
  // The after-hashes go into the very first manifest: an apply cut off after any write can be rolled back
  // (each file is then either as before or as planned), without --force.
  for (const [index, change] of plan.changes.entries())
    if (change.after !== undefined) entries[index]!.sha256After = sha256(change.after);
  const manifest: Manifest = {
    version: 1,
    createdAt: new Date().toISOString(),
    host: host.label,
    status: 'applying',
    entries,
    commands: plan.commands,
    commandResults: [],
    watched: {},
  };
  await writeManifest(host, setDir, manifest);
  progress(`backed up ${entries.filter((e) => e.existed).length} file(s) to ${setDir}`);

  const written: Manifest['entries'] = [];
  for (const [index, change] of plan.changes.entries()) {
    const entry = entries[index]!;
    try {
      await writeChange(host, change, entry.mode ?? 0o644);
    } catch (error) {
      const failures = await restoreWritten(host, written, originals);
      await writeManifest(host, setDir, { ...manifest, status: 'aborted' }).catch(() => {});
      if (failures.length > 0) {
        throw new InfraError<GpuHostErrorCode>(
          'APPLY_RESTORE_FAILED',
          `writing ${change.path} failed and ${failures.length} file(s) could not be put back: ${failures.join('; ')}`,
          {
            hint: `restore them by hand from ${setDir}/files`,
            cause: error,
          },
        );
      }
      throw error;
    }
    written.push(entry);
    progress(
      `${change.action === 'create' ? 'created' : change.action === 'delete' ? 'removed' : 'updated'} ${change.path}`,
    );
  }
  const afterWrite: Manifest = { ...manifest, status: 'written', watched: watchedAfter(facts, plan.changes) };
  await writeManifest(host, setDir, afterWrite);

  let results: Manifest['commandResults'] = [];
  try {
    results = await runRefreshCommands(host, plan.commands, progress);
  } catch (error) {
    const partial =
      error instanceof InfraError ? ((error.details?.results as Manifest['commandResults']) ?? []) : [];
    await writeManifest(host, setDir, { ...afterWrite, status: 'commands-failed', commandResults: partial });
    throw error;
  }
  await writeManifest(host, setDir, { ...afterWrite, status: 'applied', commandResults: results });
  return {
    status: 'applied',
    backupDir: setDir,
    changed: plan.changes.map((c) => c.path),
    commands: results,
    rebootRequired: true,
  };
}
