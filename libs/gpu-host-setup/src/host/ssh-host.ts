import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CoreErrorCode,
  InfraError,
  isInfraError,
  runProcess,
  runProcessSync,
  startDaemon,
} from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';
import {
  type CommandResult,
  type DirEntry,
  type FileInfo,
  type Host,
  hostPath,
  readFailed,
  shellCommand,
  writeFailed,
} from './host';

export interface SshHostOptions {
  /** `user@host` or `user@host:port` (the config's `gpu.host.ssh`). */
  target: string;
  /** Private key; without it ssh uses the agent and its default keys. */
  identityFile?: string;
  /** known_hosts file to trust; default: ssh's own (~/.ssh/known_hosts). Host keys are always checked. */
  knownHostsFile?: string;
  /** Host filesystem root prefix on the remote side (tests). */
  root?: string;
  connectTimeoutSeconds?: number;
}

/** What ssh needs from our environment beyond the runner's base: the agent, for key authentication. */
const SSH_PASS = ['SSH_AUTH_SOCK'] as const;

const TARGET = /^(?:([\w.-]+)@)?([\w.-]+)(?::(\d{1,5}))?$/;

export function parseSshTarget(target: string): { user?: string; host: string; port?: number } {
  const match = TARGET.exec(target);
  if (!match) {
    throw new InfraError<GpuHostErrorCode>(
      'SSH_TARGET_INVALID',
      `expected an ssh target like "root@pve.lan" or "root@pve.lan:22", got "${target}"`,
      {
        hint: 'set gpu.host.ssh in infra.config.yaml or pass --host user@host[:port]',
      },
    );
  }
  return {
    host: match[2]!,
    ...(match[1] ? { user: match[1] } : {}),
    ...(match[3] ? { port: Number(match[3]) } : {}),
  };
}

/** Turns ssh's exit 255 and its stderr into the error a person can act on. */
export function classifySshFailure(target: string, stderr: string): InfraError {
  const text = stderr.trim();
  const details = { target, stderr: text };
  if (/Permission denied|Too many authentication failures/.test(text)) {
    return new InfraError<GpuHostErrorCode>(
      'SSH_AUTH_FAILED',
      `ssh to ${target} was refused: no accepted key (${text})`,
      {
        hint: "pass the right key (--identity or gpu.host.identityFile) or load it into the agent (ssh-add), and make sure its public key is in the host's authorized_keys",
        details,
      },
    );
  }
  if (
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key is known|Host key for .* has changed/i.test(
      text,
    )
  ) {
    return new InfraError<GpuHostErrorCode>(
      'SSH_HOST_KEY_UNVERIFIED',
      `the host key of ${target} is not trusted (${text.split('\n').pop()})`,
      {
        hint: 'compare the host key fingerprint on the Proxmox console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) with `ssh-keyscan <host>`, then add it to known_hosts (or pass --known-hosts <file>)',
        details,
      },
    );
  }
  if (
    /Connection refused|No route to host|timed out|Could not resolve hostname|Network is unreachable|Connection closed|Connection reset/i.test(
      text,
    )
  ) {
    return new InfraError<GpuHostErrorCode>('SSH_UNREACHABLE', `cannot reach ${target} over ssh (${text})`, {
      hint: 'check the address and port (gpu.host.ssh / --host), that sshd runs on the host, and the network path',
      details,
    });
  }
  return new InfraError<GpuHostErrorCode>(
    'SSH_FAILED',
    `ssh to ${target} failed: ${text || 'exit 255 without a message'}`,
    {
      details,
    },
  );
}

// Scripts run by `sh -c` on the host; paths arrive as positional parameters, never spliced into the script.
const READ_FILES = `for f do if [ -e "$f" ]; then if [ -d "$f" ]; then echo "E is a directory"; elif c=$(base64 -w0 < "$f"); then echo "F $c"; else echo "E cannot read"; fi; else echo M; fi; done`;
const LIST_DIR = `[ -d "$1" ] || { echo MISSING; exit 0; }; find "$1" -mindepth 1 -maxdepth 1 -printf '%Y\\t%f\\n'`;
const LIST_TREE = `[ -d "$1" ] || { echo MISSING; exit 0; }; find "$1" -mindepth 1 -maxdepth "$2" -printf '%P\\n'`;
const STAT = `if [ -e "$1" ] || [ -L "$1" ]; then stat -c '%f %s %u %g' -- "$1"; else echo MISSING; fi`;
const WRITE = `set -e; d=$(dirname -- "$1"); mkdir -p -- "$d"; t=$(mktemp -- "$d/.infra-XXXXXX"); trap 'rm -f -- "$t"' EXIT; cat > "$t"; chmod "$2" "$t"; sync "$t"; mv -f -- "$t" "$1"; trap - EXIT`;
const PROBE = `t=$(mktemp -- "$1/.infra-probe-XXXXXX") && rm -f -- "$t"`;

/**
 * A host reached over the system OpenSSH client: one multiplexed master connection per session (ControlMaster,
 * socket in a private 0700 temp dir), BatchMode (never prompts), StrictHostKeyChecking=yes. Key or agent auth.
 */
export class SshHost implements Host {
  readonly label: string;
  readonly #target: string;
  readonly #root: string | undefined;
  readonly #controlDir: string;
  /** ssh options shared by the master and every client (control path, auth, host key checking). */
  readonly #options: string[];
  readonly #hostname: string;
  #closed = false;
  readonly #exitHook = () => this.#stopMaster();

  private constructor(options: SshHostOptions, hostname: string, controlDir: string, sshOptions: string[]) {
    this.#target = options.target;
    this.#root = options.root;
    this.#hostname = hostname;
    this.#controlDir = controlDir;
    this.#options = sshOptions;
    this.label = `ssh ${options.target}${options.root ? ` (root ${options.root})` : ''}`;
  }

  /** Opens the master connection; fails with SSH_UNREACHABLE / SSH_AUTH_FAILED / SSH_HOST_KEY_UNVERIFIED. */
  static async connect(options: SshHostOptions): Promise<SshHost> {
    const target = parseSshTarget(options.target);
    const controlDir = await mkdtemp(join(tmpdir(), 'infra-ssh-'));
    const args = [
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `ConnectTimeout=${options.connectTimeoutSeconds ?? 10}`,
      '-o',
      'ServerAliveInterval=15',
      '-o',
      'LogLevel=ERROR',
      '-o',
      `ControlPath=${join(controlDir, 'cm')}`,
      ...(options.knownHostsFile
        ? ['-o', `UserKnownHostsFile=${options.knownHostsFile}`, '-o', 'GlobalKnownHostsFile=/dev/null']
        : []),
      ...(options.identityFile ? ['-o', 'IdentitiesOnly=yes', '-i', options.identityFile] : []),
      ...(target.port ? ['-p', String(target.port)] : []),
      ...(target.user ? ['-l', target.user] : []),
    ];
    const host = new SshHost(options, target.host, controlDir, args);
    await host.#startMaster();
    return host;
  }

  async #startMaster(): Promise<void> {
    // -f backgrounds the master after authentication; it keeps stderr open, so stderr goes to a file rather
    // than a pipe we would wait on forever. ControlPersist bounds a master left behind by a crash.
    const errFile = join(this.#controlDir, 'master.err');
    let exitCode: number;
    try {
      const master = await startDaemon(
        'ssh',
        [...this.#options, '-M', '-N', '-f', '-o', 'ControlPersist=600', this.#hostname],
        { pass: SSH_PASS, logFile: errFile, logMode: 'truncate', stdout: 'ignore', detached: false },
      );
      exitCode = (await master.exited).exitCode ?? 255;
    } catch (error) {
      if (!isInfraError<CoreErrorCode>(error, 'TOOL_MISSING')) throw error;
      exitCode = 127;
    }
    if (exitCode !== 0) {
      const stderr =
        exitCode === 127 ? 'ssh: command not found (install openssh-client)' : readFileSync(errFile, 'utf8');
      await rm(this.#controlDir, { recursive: true, force: true });
      throw classifySshFailure(this.#target, stderr);
    }
    process.once('exit', this.#exitHook);
  }

  #stopMaster(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Synchronous: it also runs from the process 'exit' hook, where nothing asynchronous completes.
    runProcessSync('ssh', [...this.#options, '-O', 'exit', this.#hostname], { pass: SSH_PASS });
  }

  async close(): Promise<void> {
    this.#stopMaster();
    process.removeListener('exit', this.#exitHook);
    await rm(this.#controlDir, { recursive: true, force: true });
  }

  /** Runs a command line on the host through the master connection. */
  async #remote(argv: readonly string[], input?: string | Uint8Array) {
    if (this.#closed)
      throw new InfraError<GpuHostErrorCode>('SSH_CLOSED', `the ssh session to ${this.#target} is closed`);
    const args = [...this.#options, '-o', 'ControlMaster=no', this.#hostname, '--', shellCommand(argv)];
    // Raw stdout: readFiles decodes file contents from it. The agent socket in case the master is gone.
    const result = await runProcess('ssh', args, {
      pass: SSH_PASS,
      rawStdout: true,
      ...(input === undefined ? {} : { input }),
    });
    if (result.exitCode === 255) throw classifySshFailure(this.#target, result.stderr);
    return result;
  }

  #script(script: string, ...args: string[]): string[] {
    return ['sh', '-c', script, 'sh', ...args];
  }

  async run(argv: readonly string[], options: { input?: string | Uint8Array } = {}): Promise<CommandResult> {
    const { stdout, stderr, exitCode } = await this.#remote(argv, options.input);
    return { stdout, stderr, exitCode };
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    return (await this.readFiles([path])).get(path);
  }

  async readFiles(paths: readonly string[]): Promise<Map<string, Buffer | undefined>> {
    const result = new Map<string, Buffer | undefined>();
    if (paths.length === 0) return result;
    const mapped = paths.map((path) => hostPath(this.#root, path));
    const out = await this.#remote(this.#script(READ_FILES, ...mapped));
    const lines = out.stdout.split('\n');
    if (out.exitCode !== 0 || lines.length < paths.length)
      throw readFailed(this, paths.join(', '), out.stderr.trim() || `exit ${out.exitCode}`);
    paths.forEach((path, index) => {
      const line = lines[index]!;
      if (line === 'M') result.set(path, undefined);
      else if (line.startsWith('F ')) result.set(path, Buffer.from(line.slice(2), 'base64'));
      else
        throw readFailed(this, path, `${line.slice(2)}${out.stderr.trim() ? `: ${out.stderr.trim()}` : ''}`);
    });
    return result;
  }

  async writeFileAtomic(path: string, data: string | Uint8Array, options: { mode: number }): Promise<void> {
    const out = await this.#remote(
      this.#script(WRITE, hostPath(this.#root, path), options.mode.toString(8)),
      data,
    );
    if (out.exitCode !== 0) throw writeFailed(this, path, out.stderr.trim() || `exit ${out.exitCode}`);
  }

  async removeFile(path: string): Promise<void> {
    const out = await this.#remote(['rm', '-f', '--', hostPath(this.#root, path)]);
    if (out.exitCode !== 0) throw writeFailed(this, path, out.stderr.trim() || `exit ${out.exitCode}`);
  }

  async makeDir(path: string, mode: number): Promise<void> {
    const out = await this.#remote(['mkdir', '-p', '-m', mode.toString(8), '--', hostPath(this.#root, path)]);
    if (out.exitCode !== 0) throw writeFailed(this, path, out.stderr.trim() || `exit ${out.exitCode}`);
  }

  async listDir(path: string): Promise<DirEntry[] | undefined> {
    const out = await this.#remote(this.#script(LIST_DIR, hostPath(this.#root, path)));
    if (out.exitCode !== 0) throw readFailed(this, path, out.stderr.trim() || `exit ${out.exitCode}`);
    if (out.stdout.trim() === 'MISSING') return undefined;
    const entries: DirEntry[] = [];
    for (const line of out.stdout.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab < 0) continue;
      const kind = line.slice(0, tab);
      if (kind === 'N' || kind === 'L') continue; // dangling symlink or loop
      entries.push({
        name: line.slice(tab + 1),
        type: kind === 'f' ? 'file' : kind === 'd' ? 'dir' : 'other',
      });
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async listTree(path: string, maxDepth: number): Promise<string[] | undefined> {
    const out = await this.#remote(this.#script(LIST_TREE, hostPath(this.#root, path), String(maxDepth)));
    if (out.exitCode !== 0) throw readFailed(this, path, out.stderr.trim() || `exit ${out.exitCode}`);
    if (out.stdout.trim() === 'MISSING') return undefined;
    return out.stdout.split('\n').filter(Boolean).sort();
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    const out = await this.#remote(this.#script(STAT, hostPath(this.#root, path)));
    if (out.exitCode !== 0) throw readFailed(this, path, out.stderr.trim() || `exit ${out.exitCode}`);
    if (out.stdout.trim() === 'MISSING') return undefined;
    const [rawMode = '0', size = '0', uid = '0', gid = '0'] = out.stdout.trim().split(' ');
    const mode = Number.parseInt(rawMode, 16);
    const format = mode & 0o170000;
    const type =
      format === 0o100000 ? 'file' : format === 0o040000 ? 'dir' : format === 0o120000 ? 'symlink' : 'other';
    return { type, mode: mode & 0o7777, size: Number(size), uid: Number(uid), gid: Number(gid) };
  }

  async probeWritable(dir: string): Promise<void> {
    const out = await this.#remote(this.#script(PROBE, hostPath(this.#root, dir)));
    if (out.exitCode !== 0) throw writeFailed(this, dir, out.stderr.trim() || `exit ${out.exitCode}`);
  }
}
