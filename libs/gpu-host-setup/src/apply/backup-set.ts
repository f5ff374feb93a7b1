import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { InfraError } from '@infra/core';
import { z } from 'zod';
import type { GpuHostErrorCode } from '../error-codes';
import type { Host } from '../host/host';

export const DEFAULT_BACKUP_ROOT = '/var/backups/infra-gpu-host';
export const MANIFEST_NAME = 'manifest.json';

/**
 * One backup set per apply: `<backupRoot>/<timestamp>/manifest.json` plus `files/<host path>` copies of every
 * file the apply touched, as they were before. The manifest is rewritten as the apply progresses, so a crash
 * leaves a set that rollback can still use.
 */
export const manifestSchema = z.object({
  version: z.literal(1),
  createdAt: z.string(),
  host: z.string(),
  status: z.enum(['applying', 'written', 'commands-failed', 'applied', 'aborted', 'rolled-back']),
  entries: z.array(
    z.object({
      path: z.string(),
      action: z.enum(['create', 'modify', 'delete']),
      existed: z.boolean(),
      /** Permission bits of the original (when it existed); restored with it. */
      mode: z.int().optional(),
      uid: z.int().optional(),
      gid: z.int().optional(),
      sha256Before: z.string().optional(),
      sha256After: z.string().optional(),
      /** Relative to the set directory. */
      backupFile: z.string().optional(),
    }),
  ),
  /** The refresh commands of the apply; rollback runs them again. */
  commands: z.array(z.array(z.string())),
  commandResults: z.array(z.object({ argv: z.array(z.string()), exitCode: z.int() })).default([]),
  /** sha256 of every watched config file right after the apply (for verify's "nothing else changed"). */
  watched: z.record(z.string(), z.string()).default({}),
  rolledBackAt: z.string().optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `2026-05-01T10-20-30-123Z`: sortable, no colons. */
export function backupSetName(date: Date): string {
  return date.toISOString().replaceAll(':', '-').replace('.', '-');
}

export async function writeManifest(host: Host, setDir: string, manifest: Manifest): Promise<void> {
  await host.writeFileAtomic(posix.join(setDir, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`, {
    mode: 0o600,
  });
}

export async function readManifest(host: Host, setDir: string): Promise<Manifest> {
  const path = posix.join(setDir, MANIFEST_NAME);
  const raw = await host.readFile(path);
  if (raw === undefined)
    throw new InfraError<GpuHostErrorCode>('BACKUP_SET_INVALID', `${path} is missing`, {
      hint: 'the backup set is incomplete; restore by hand from its files/ directory',
    });
  try {
    return manifestSchema.parse(JSON.parse(raw.toString('utf8')));
  } catch (error) {
    throw new InfraError<GpuHostErrorCode>(
      'BACKUP_SET_INVALID',
      `${path} is not a valid backup manifest: ${(error as Error).message}`,
      {
        hint: 'restore by hand from the files/ directory of that backup set',
        cause: error,
      },
    );
  }
}

/** Reports a backup set that is skipped (e.g. the script's logger). */
export type BackupWarning = (message: string) => void;

/**
 * Backup sets, newest first, with their manifests. A set directory without `manifest.json` (a crash while
 * the backups were being copied, before anything was written to the host) describes no apply: it is skipped
 * with a warning instead of blocking every later apply, verify and rollback. A manifest that exists but is
 * invalid still stops everything (BACKUP_SET_INVALID): that one may describe real changes.
 */
export async function listBackupSets(
  host: Host,
  backupRoot: string,
  warn: BackupWarning = () => {},
): Promise<{ dir: string; manifest: Manifest }[]> {
  const entries = (await host.listDir(backupRoot)) ?? [];
  const sets = entries.filter((e) => e.type === 'dir').map((e) => posix.join(backupRoot, e.name));
  sets.sort().reverse();
  const result: { dir: string; manifest: Manifest }[] = [];
  for (const dir of sets) {
    if ((await host.stat(posix.join(dir, MANIFEST_NAME))) === undefined) {
      warn(
        `skipping backup set ${dir}: it has no ${MANIFEST_NAME} (an apply stopped while copying backups, before changing any file); remove it when you no longer need it`,
      );
      continue;
    }
    result.push({ dir, manifest: await readManifest(host, dir) });
  }
  return result;
}

/** The set that describes the host's current state: the newest one that was not aborted. */
export async function latestEffectiveSet(
  host: Host,
  backupRoot: string,
  warn?: BackupWarning,
): Promise<{ dir: string; manifest: Manifest } | undefined> {
  return (await listBackupSets(host, backupRoot, warn)).find((set) => set.manifest.status !== 'aborted');
}
