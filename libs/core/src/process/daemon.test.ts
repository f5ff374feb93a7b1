import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CoreErrorCode, isInfraError } from '../errors';
import { clearSecretsForTests, registerSecret } from '../redact';
import { startDaemon } from './daemon';
import { runProcess } from './run';
import { runProcessSync } from './run-sync';

/** Running (a zombie waiting for a reaper counts as gone). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
/** Fields 5 and 6 of /proc/<pid>/stat: process group and session. */
const groupAndSession = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return { pgrp: Number(fields[2]), session: Number(fields[3]) };
};
const waitFor = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};

let dir: string;
const pids: number[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'infra-daemon-'));
});
afterEach(async () => {
  clearSecretsForTests();
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await rm(dir, { recursive: true, force: true });
});

// Prints its environment, then stays up until signalled.
const SERVE = `process.stdout.write(JSON.stringify(process.env) + '\\n'); console.error('serving'); setInterval(() => {}, 1000);`;

describe('startDaemon', () => {
  it('starts in its own session with the minimal environment, output to the log file', async () => {
    process.env.INFRA_TEST_LEAK = 'must-not-reach-the-daemon';
    process.env.INFRA_TEST_PASSED = 'allowed';
    try {
      const logFile = join(dir, 'd.log');
      const daemon = await startDaemon(process.execPath, ['-e', SERVE], {
        logFile,
        pass: ['INFRA_TEST_PASSED'],
        env: { EXTRA: '1' },
      });
      pids.push(daemon.pid);
      await waitFor(async () => (await readFile(logFile, 'utf8')).includes('serving'));
      const env = JSON.parse((await readFile(logFile, 'utf8')).split('\n')[0]!) as Record<string, string>;
      expect(env.INFRA_TEST_LEAK).toBeUndefined();
      expect(env).toMatchObject({ INFRA_TEST_PASSED: 'allowed', EXTRA: '1', PATH: process.env.PATH });
      expect(
        Object.keys(env).every((k) =>
          /^(PATH|HOME|LANG|TMPDIR|TERM|TZ|NO_COLOR|INFRA_DEBUG|LC_\w+|INFRA_TEST_PASSED|EXTRA)$/.test(k),
        ),
      ).toBe(true);
      expect((await import('node:fs')).statSync(logFile).mode & 0o777).toBe(0o600);
      // Detached: it leads its own process group and session.
      expect(groupAndSession(daemon.pid)).toEqual({ pgrp: daemon.pid, session: daemon.pid });
      expect(daemon.running).toBe(true);
      const exit = await daemon.stop(2000);
      expect(exit).toEqual({ exitCode: null, signal: 'SIGTERM' });
      expect(alive(daemon.pid)).toBe(false);
    } finally {
      delete process.env.INFRA_TEST_LEAK;
      delete process.env.INFRA_TEST_PASSED;
    }
  });

  it('keeps running after the process that started it detached and exited', async () => {
    const logFile = join(dir, 'survivor.log');
    const starter = join(dir, 'starter.mts');
    const daemonModule = resolve(import.meta.dirname, 'daemon.ts');
    await writeFile(
      starter,
      [
        `import { startDaemon } from ${JSON.stringify(daemonModule)};`,
        `const d = await startDaemon(process.execPath, ['-e', ${JSON.stringify(SERVE)}], { logFile: ${JSON.stringify(logFile)} });`,
        'd.detach();',
        'console.log(d.pid);',
      ].join('\n'),
    );
    const tsx = resolve(import.meta.dirname, '../../../../node_modules/.bin/tsx');
    // The starter's event loop must not wait for the daemon: it exits on its own, within the timeout.
    const started = await runProcess(tsx, [starter], { timeoutMs: 60_000, check: true });
    const pid = Number(started.stdout.trim());
    pids.push(pid);
    expect(pid).toBeGreaterThan(0);
    await waitFor(async () => (await readFile(logFile, 'utf8').catch(() => '')).includes('serving'));
    expect(alive(pid)).toBe(true);
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !alive(pid));
  }, 90_000);

  it('pipes stdout as redacted lines and reports the exit of a short-lived program', async () => {
    registerSecret('s3cr3t-daemon-value');
    const lines: string[] = [];
    const daemon = await startDaemon(
      process.execPath,
      ['-e', `console.log('token s3cr3t-daemon-value'); console.error('to the log'); process.exit(3)`],
      { logFile: join(dir, 'p.log'), stdout: 'pipe', onLine: (line) => lines.push(line), detached: false },
    );
    expect(await daemon.exited).toEqual({ exitCode: 3, signal: null });
    await waitFor(() => lines.length > 0);
    expect(lines.join('\n')).not.toContain('s3cr3t-daemon-value');
    expect(await readFile(join(dir, 'p.log'), 'utf8')).toBe('to the log\n');
    expect(daemon.running).toBe(false);
    expect(daemon.kill()).toBe(false);
  });

  it('a missing program is a TOOL_MISSING error, not a spawn failure', async () => {
    const error = await startDaemon('infra-no-such-daemon', [], { logFile: join(dir, 'm.log') }).catch(
      (e: unknown) => e,
    );
    expect(isInfraError<CoreErrorCode>(error, 'TOOL_MISSING')).toBe(true);
    expect((error as Error).message).toBe('infra-no-such-daemon is not installed (not found on PATH)');
  });

  it('an unwritable log file is a DAEMON_START_FAILED error naming the file', async () => {
    const logFile = join(dir, 'missing-folder', 'x.log');
    const error = await startDaemon(process.execPath, ['-e', ''], { logFile }).catch((e: unknown) => e);
    expect(isInfraError<CoreErrorCode>(error, 'DAEMON_START_FAILED')).toBe(true);
    expect((error as Error).message).toContain(logFile);
  });

  it('onLine without a piped stdout is rejected', async () => {
    const error = await startDaemon(process.execPath, ['-e', ''], {
      logFile: join(dir, 'o.log'),
      onLine: () => {},
    }).catch((e: unknown) => e);
    expect(isInfraError<CoreErrorCode>(error, 'PROCESS_OPTIONS_INVALID')).toBe(true);
  });
});

describe('runProcessSync', () => {
  it('runs with the minimal environment and reports a missing program as exit 127', () => {
    process.env.INFRA_TEST_LEAK = 'must-not-reach-the-child';
    try {
      const out = runProcessSync(process.execPath, [
        '-e',
        'console.log(process.env.INFRA_TEST_LEAK ?? "clean")',
      ]);
      expect(out).toMatchObject({ exitCode: 0, stdout: 'clean\n' });
    } finally {
      delete process.env.INFRA_TEST_LEAK;
    }
    expect(runProcessSync('infra-no-such-program', []).exitCode).toBe(127);
  });
});
