import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { type CoreErrorCode, isInfraError, runProcess, writeFileAtomic } from '@infra/core';
import {
  type CommandResult,
  type DirEntry,
  type FileInfo,
  type Host,
  hostPath,
  readFailed,
  writeFailed,
} from './host';

export interface LocalHostOptions {
  /** Host filesystem root prefix (tests: a temp dir seeded from a facts bundle). Commands are not affected. */
  root?: string;
  /** Variables set for commands, over the runner's minimal base environment (PATH, HOME, locale). */
  env?: Readonly<Record<string, string>>;
}

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** The machine this process runs on (use it on the Proxmox host itself). */
export class LocalHost implements Host {
  readonly label: string;
  readonly #root: string | undefined;
  readonly #env: Readonly<Record<string, string>>;

  constructor(options: LocalHostOptions = {}) {
    this.#root = options.root;
    this.#env = options.env ?? {};
    this.label = options.root ? `local (root ${options.root})` : 'local';
  }

  async run(argv: readonly string[], options: { input?: string | Uint8Array } = {}): Promise<CommandResult> {
    const [program = '', ...args] = argv;
    try {
      // Host facts are parsed, not logged: stdout stays exactly as the command wrote it.
      const { stdout, stderr, exitCode } = await runProcess(program, args, {
        env: this.#env,
        rawStdout: true,
        ...(options.input === undefined ? {} : { input: options.input }),
      });
      return { stdout, stderr, exitCode };
    } catch (error) {
      // The Host contract reports a missing command as a shell does (boot-tool parsing relies on it).
      if (isInfraError<CoreErrorCode>(error, 'TOOL_MISSING')) {
        return { stdout: '', stderr: `${program}: command not found`, exitCode: 127 };
      }
      throw error;
    }
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    try {
      return await readFile(hostPath(this.#root, path));
    } catch (error) {
      // ENOTDIR: a parent is a plain file, so the path cannot exist (the ssh host says the same).
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return undefined;
      throw readFailed(this, path, (error as Error).message, error);
    }
  }

  async readFiles(paths: readonly string[]): Promise<Map<string, Buffer | undefined>> {
    const result = new Map<string, Buffer | undefined>();
    for (const path of paths) result.set(path, await this.readFile(path));
    return result;
  }

  async writeFileAtomic(path: string, data: string | Uint8Array, options: { mode: number }): Promise<void> {
    try {
      await writeFileAtomic(hostPath(this.#root, path), data, { mode: options.mode });
    } catch (error) {
      throw writeFailed(this, path, (error as Error).message, error);
    }
  }

  async removeFile(path: string): Promise<void> {
    try {
      await rm(hostPath(this.#root, path), { force: true });
    } catch (error) {
      throw writeFailed(this, path, (error as Error).message, error);
    }
  }

  async makeDir(path: string, mode: number): Promise<void> {
    try {
      await mkdir(hostPath(this.#root, path), { recursive: true, mode });
    } catch (error) {
      throw writeFailed(this, path, (error as Error).message, error);
    }
  }

  async listDir(path: string): Promise<DirEntry[] | undefined> {
    const full = hostPath(this.#root, path);
    let names: string[];
    try {
      names = await readdir(full);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return undefined;
      throw readFailed(this, path, (error as Error).message, error);
    }
    const entries: DirEntry[] = [];
    for (const name of names.sort()) {
      const info = await stat(posix.join(full, name)).catch(() => undefined);
      if (!info) continue; // dangling symlink
      entries.push({ name, type: info.isFile() ? 'file' : info.isDirectory() ? 'dir' : 'other' });
    }
    return entries;
  }

  async listTree(path: string, maxDepth: number): Promise<string[] | undefined> {
    const full = hostPath(this.#root, path);
    const out: string[] = [];
    const walk = async (dir: string, prefix: string, depth: number): Promise<boolean> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return false;
        throw readFailed(this, path, (error as Error).message, error);
      }
      for (const entry of entries) {
        const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
        out.push(rel);
        if (entry.isDirectory() && depth < maxDepth) await walk(posix.join(dir, entry.name), rel, depth + 1);
      }
      return true;
    };
    if (!(await walk(full, '', 1))) return undefined;
    return out.sort();
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    try {
      const info = await lstat(hostPath(this.#root, path));
      const type = info.isFile()
        ? 'file'
        : info.isDirectory()
          ? 'dir'
          : info.isSymbolicLink()
            ? 'symlink'
            : 'other';
      return { type, mode: info.mode & 0o7777, size: info.size, uid: info.uid, gid: info.gid };
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return undefined;
      throw readFailed(this, path, (error as Error).message, error);
    }
  }

  async probeWritable(dir: string): Promise<void> {
    const probe = posix.join(hostPath(this.#root, dir), `.infra-probe-${randomBytes(4).toString('hex')}`);
    try {
      const handle = await open(probe, 'wx', 0o600);
      await handle.close();
      await rm(probe, { force: true });
    } catch (error) {
      throw writeFailed(this, dir, (error as Error).message, error);
    }
  }

  async close(): Promise<void> {}
}
