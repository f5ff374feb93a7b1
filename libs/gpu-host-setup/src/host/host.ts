import { posix } from 'node:path';
import { InfraError } from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** 127 when the command does not exist (as a shell reports it). */
  exitCode: number;
}

/** A directory entry; symlinks are resolved (a dangling one is left out). */
export interface DirEntry {
  name: string;
  type: 'file' | 'dir' | 'other';
}

/** `lstat` of a path. */
export interface FileInfo {
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** Permission bits, e.g. 0o644. */
  mode: number;
  size: number;
  uid: number;
  gid: number;
}

/**
 * The machine being configured. Paths are absolute host paths (`/etc/modprobe.d/x.conf`); an implementation
 * with a root prefix maps them below that directory, which is how tests run against a fake host root.
 * Every failure is an InfraError naming the path or command.
 */
export interface Host {
  /** For messages: `local`, `local (root /tmp/x)`, `ssh root@pve.lan`. */
  readonly label: string;
  run(argv: readonly string[], options?: { input?: string | Uint8Array }): Promise<CommandResult>;
  /** undefined when the path does not exist. */
  readFile(path: string): Promise<Buffer | undefined>;
  /** Many files in one round trip; each value is undefined when that path does not exist. */
  readFiles(paths: readonly string[]): Promise<Map<string, Buffer | undefined>>;
  /** Temp file in the same directory + rename; creates missing parent directories (0755). */
  writeFileAtomic(path: string, data: string | Uint8Array, options: { mode: number }): Promise<void>;
  /** No error when the file is already gone. */
  removeFile(path: string): Promise<void>;
  makeDir(path: string, mode: number): Promise<void>;
  /** Sorted entries; undefined when the directory does not exist. */
  listDir(path: string): Promise<DirEntry[] | undefined>;
  /** Relative paths of every entry up to `maxDepth` levels below `path` (symlinks not followed); sorted. */
  listTree(path: string, maxDepth: number): Promise<string[] | undefined>;
  stat(path: string): Promise<FileInfo | undefined>;
  /** Creates and removes a temp file in `dir`: proves a write there will work before anything is changed. */
  probeWritable(dir: string): Promise<void>;
  close(): Promise<void>;
}

/** Validates an absolute host path and maps it below `root` (when set). Refuses `..` segments. */
export function hostPath(root: string | undefined, path: string): string {
  if (!path.startsWith('/') || path.split('/').includes('..')) {
    throw new InfraError<GpuHostErrorCode>(
      'HOST_PATH_INVALID',
      `expected an absolute host path without "..", got "${path}"`,
    );
  }
  const normal = posix.normalize(path);
  return root ? posix.join(root, normal) : normal;
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export function writeFailed(host: Host, path: string, reason: string, cause?: unknown): InfraError {
  return new InfraError<GpuHostErrorCode>(
    'HOST_FILE_UNWRITABLE',
    `cannot write ${path} on ${host.label}: ${reason}`,
    {
      hint: 'check that the path is a writable regular file (not immutable: lsattr; not on a read-only mount) and that you connect as root',
      details: { path },
      cause,
    },
  );
}

export function readFailed(host: Host, path: string, reason: string, cause?: unknown): InfraError {
  return new InfraError<GpuHostErrorCode>(
    'HOST_READ_FAILED',
    `cannot read ${path} on ${host.label}: ${reason}`,
    {
      hint: 'connect as root (the tool reads /etc, /proc and /sys)',
      details: { path },
      cause,
    },
  );
}
