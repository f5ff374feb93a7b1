import { spawn } from 'node:child_process';
import type { CommandResult } from './host';

/** Runs a program (no shell), feeds `input` to stdin, collects stdout/stderr. Never rejects. */
export function spawnCollect(
  command: string,
  args: readonly string[],
  options: { input?: string | Uint8Array; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult & { stdoutBytes: Buffer }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT';
      resolve({
        stdout: '',
        stdoutBytes: Buffer.alloc(0),
        stderr: `${command}: ${missing ? 'command not found' : error.message}`,
        exitCode: missing ? 127 : 126,
      });
    });
    child.on('close', (code, signal) => {
      const bytes = Buffer.concat(stdout);
      resolve({
        stdout: bytes.toString('utf8'),
        stdoutBytes: bytes,
        stderr: Buffer.concat(stderr).toString('utf8'),
        exitCode: code ?? (signal ? 128 : 1),
      });
    });
    child.stdin.on('error', () => {}); // a command that does not read stdin may close it early
    child.stdin.end(options.input ?? '');
  });
}
