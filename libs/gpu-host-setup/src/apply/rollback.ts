import { posix } from 'node:path';
import { InfraError } from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';
import type { Host } from '../host/host';
import { DEFAULT_BACKUP_ROOT, latestEffectiveSet, sha256, writeManifest } from './backup-set';
import { runRefreshCommands } from './commands';

export interface RollbackOptions {
  backupRoot?: string | undefined;
  /** Restore even when a file changed since the apply (that later change is lost). */
  force?: boolean | undefined;
  progress?: (message: string) => void;
  /** Skipped backup sets (default: progress). */
  warn?: (message: string) => void;
}

export interface RollbackResult {
  status: 'rolled-back' | 'nothing-to-roll-back';
  backupDir?: string;
  restored: string[];
  removed: string[];
  commands: { argv: string[]; exitCode: number }[];
}

/**
 * Restores the latest backup set byte for byte (content and mode), removes the files that apply created, and
 * runs the same refresh commands again. Refuses when a file changed after the apply, unless forced. Only the
 * latest set is ever restored: a second rollback does nothing rather than undo an older apply.
 */
export async function rollbackLatest(host: Host, options: RollbackOptions = {}): Promise<RollbackResult> {
  const backupRoot = options.backupRoot ?? DEFAULT_BACKUP_ROOT;
  const progress = options.progress ?? (() => {});
  const latest = await latestEffectiveSet(host, backupRoot, options.warn ?? progress);
  if (!latest || latest.manifest.status === 'rolled-back')
    return { status: 'nothing-to-roll-back', restored: [], removed: [], commands: [] };
  const { dir, manifest } = latest;

  const current = await host.readFiles(manifest.entries.map((e) => e.path));
  const backups = await host.readFiles(
    manifest.entries.flatMap((e) => (e.backupFile ? [posix.join(dir, e.backupFile)] : [])),
  );
  const conflicts: string[] = [];
  for (const entry of manifest.entries) {
    const now = current.get(entry.path);
    const nowHash = now === undefined ? undefined : sha256(now);
    // After a crash mid-apply ('applying') a file may still be in its original state; that is no conflict.
    const acceptable = new Set([
      entry.sha256After,
      ...(manifest.status === 'applying' ? [entry.sha256Before] : []),
    ]);
    if (!acceptable.has(nowHash)) conflicts.push(entry.path);
    if (entry.backupFile) {
      const backup = backups.get(posix.join(dir, entry.backupFile));
      if (backup === undefined || sha256(backup) !== entry.sha256Before) {
        throw new InfraError<GpuHostErrorCode>(
          'BACKUP_SET_INVALID',
          `the backup of ${entry.path} in ${dir} is missing or does not match its sha256`,
          {
            hint: 'nothing was restored; inspect the backup set by hand',
          },
        );
      }
    }
  }
  if (conflicts.length > 0 && !options.force) {
    throw new InfraError<GpuHostErrorCode>(
      'ROLLBACK_CONFLICT',
      `changed since the apply of ${dir}: ${conflicts.join(', ')}`,
      {
        hint: 'nothing was restored; check those files (plan shows the current state) and run rollback --force to restore anyway',
        details: { conflicts },
      },
    );
  }

  const restored: string[] = [];
  const removed: string[] = [];
  for (const entry of [...manifest.entries].reverse()) {
    if (entry.existed && entry.backupFile) {
      await host.writeFileAtomic(entry.path, backups.get(posix.join(dir, entry.backupFile))!, {
        mode: entry.mode ?? 0o644,
      });
      restored.push(entry.path);
    } else {
      await host.removeFile(entry.path);
      removed.push(entry.path);
    }
    progress(`${entry.existed ? 'restored' : 'removed'} ${entry.path}`);
  }
  const commands = await runRefreshCommands(host, manifest.commands, progress);
  await writeManifest(host, dir, {
    ...manifest,
    status: 'rolled-back',
    rolledBackAt: new Date().toISOString(),
  });
  return {
    status: 'rolled-back',
    backupDir: dir,
    restored: restored.reverse(),
    removed: removed.reverse(),
    commands,
  };
}
