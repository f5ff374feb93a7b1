import { readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearSecretsForTests, registerSecret } from '../redact';
import { childEnv } from './env';
import { runProcess } from './run';

afterEach(() => clearSecretsForTests());

/** Running (a zombie waiting for a reaper counts as gone). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('childEnv', () => {
  it('keeps only the base variables, LC_*, the allowlist and explicit values', () => {
    const from = {
      PATH: '/bin',
      HOME: '/root',
      LC_ALL: 'C.UTF-8',
      AWS_SECRET_ACCESS_KEY: 'nope',
      SSH_AUTH_SOCK: '/tmp/agent',
      TERM: 'xterm',
    };
    expect(
      childEnv({ from, pass: ['SSH_AUTH_SOCK', 'UNSET'], env: { TF_VAR_x: '1', TERM: undefined } }),
    ).toEqual({ PATH: '/bin', HOME: '/root', LC_ALL: 'C.UTF-8', SSH_AUTH_SOCK: '/tmp/agent', TF_VAR_x: '1' });
  });
});

describe('runProcess', () => {
  it('returns exit code and output as data, with a minimal environment', async () => {
    process.env.INFRA_TEST_LEAK = 'must-not-reach-the-child';
    try {
      const result = await runProcess('sh', ['-c', 'echo "out $1"; echo err >&2; env; exit 3', 'sh', 'a b'], {
        env: { EXTRA: 'yes' },
      });
      expect(result.exitCode).toBe(3);
      expect(result.stdout).toMatch(/^out a b\n/);
      expect(result.stdout).toContain('EXTRA=yes');
      expect(result.stdout).not.toContain('INFRA_TEST_LEAK');
      expect(result.stderr).toBe('err\n');
    } finally {
      delete process.env.INFRA_TEST_LEAK;
    }
  });

  it('passes arguments without a shell interpreting them', async () => {
    const result = await runProcess('printf', ['%s|', '$(id)', '; rm -rf /', "it's"]);
    expect(result.stdout).toBe("$(id)|; rm -rf /|it's|");
  });

  it('redacts captured and streamed output and the command line, unless rawStdout is asked for', async () => {
    registerSecret('hunter2-secret');
    const lines: string[] = [];
    const result = await runProcess('sh', ['-c', 'echo token=hunter2-secret; echo hunter2-secret >&2'], {
      output: 'stream',
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
    });
    expect(result.stdout).toBe('token=***\n');
    expect(result.stderr).toBe('***\n');
    expect(lines.sort()).toEqual(['stderr:***', 'stdout:token=***']);
    const raw = await runProcess('echo', ['hunter2-secret'], { rawStdout: true });
    expect(raw.stdout).toBe('hunter2-secret\n');
    expect(raw.command).toBe('echo ***');
  });

  it('feeds input to stdin, which is otherwise closed', async () => {
    expect((await runProcess('cat', [], { input: 'from stdin' })).stdout).toBe('from stdin');
    expect((await runProcess('cat', [])).stdout).toBe('');
  });

  it('interactive: the child gets our stdin and stdout and stays in our process group', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'run-interactive-'));
    try {
      const report = join(dir, 'report');
      // What the child sees, written to a file: our stdout is the terminal here, not a pipe to read.
      const script = `fds=$(readlink /proc/$$/fd/0 /proc/$$/fd/1); printf '%s\\n' "$fds" > "$1"; ps -o pgid= -p $$ | tr -d ' ' >> "$1"; echo seen >&2`;
      const result = await runProcess('sh', ['-c', script, 'sh', report], { interactive: true });
      expect(result.exitCode).toBe(0);
      expect(result.stderr).toBe('seen\n');
      const [stdin, stdout, pgid] = (await readFile(report, 'utf8')).trim().split('\n');
      const ours = (fd: number) => readlinkSync(`/proc/${process.pid}/fd/${fd}`);
      const ourGroup = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2];
      expect([stdin, stdout, pgid]).toEqual([ours(0), ours(1), ourGroup]);
      // A captured run has none of it: its own group, stdin closed (/dev/null), stdout a new pipe to us.
      await runProcess('sh', ['-c', script, 'sh', report]);
      const [capturedIn, capturedOut, capturedGroup] = (await readFile(report, 'utf8')).trim().split('\n');
      expect(capturedIn).toBe('/dev/null');
      expect(capturedOut).not.toBe(ours(1));
      expect(capturedGroup).not.toBe(ourGroup);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses input together with interactive', async () => {
    await expect(runProcess('cat', [], { interactive: true, input: 'x' })).rejects.toMatchObject({
      code: 'PROCESS_OPTIONS_INVALID',
    });
  });

  it('hands values over on extra descriptors 3, 4, ... (not argv, not the environment)', async () => {
    const result = await runProcess('sh', ['-c', 'read -r a <&3; read -r b <&4; echo "$a+$b"; env'], {
      fds: ['fd-three-value\n', Buffer.from('fd-four-value\n')],
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('fd-three-value+fd-four-value');
    expect(result.stdout).not.toMatch(/=fd-(three|four)-value/);
    expect(result.command).not.toContain('fd-three-value');
    // a child that never reads its descriptor still finishes normally
    expect((await runProcess('true', [], { fds: ['x'.repeat(1 << 20)] })).exitCode).toBe(0);
  });

  it('returns stdout as bytes, unmodified, next to the decoded text', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x80]);
    const result = await runProcess('cat', [], { input: bytes });
    expect(result.stdoutBytes.equals(bytes)).toBe(true);
  });

  it('throws TOOL_MISSING for a program not on the PATH', async () => {
    await expect(runProcess('no-such-tool-xyz', [])).rejects.toMatchObject({
      code: 'TOOL_MISSING',
      message: 'no-such-tool-xyz is not installed (not found on PATH)',
    });
  });

  it('throws PROCESS_FAILED with the end of stderr when check is set', async () => {
    await expect(runProcess('sh', ['-c', 'echo broken >&2; exit 4'], { check: true })).rejects.toMatchObject({
      code: 'PROCESS_FAILED',
      message: 'sh -c echo broken >&2; exit 4 exited with 4:\nbroken',
    });
  });

  it('kills the whole process group on abort and rejects with the abort reason', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'run-process-'));
    try {
      const pidFile = join(dir, 'grandchild.pid');
      const controller = new AbortController();
      const running = runProcess('sh', ['-c', `sleep 60 & echo $! > ${pidFile}; wait`], {
        signal: controller.signal,
      });
      let grandchild = 0;
      for (let i = 0; i < 100 && !grandchild; i++) {
        await new Promise((r) => setTimeout(r, 50));
        grandchild = Number(await readFile(pidFile, 'utf8').catch(() => '0'));
      }
      expect(alive(grandchild)).toBe(true);
      const reason = new Error('stop now');
      controller.abort(reason);
      await expect(running).rejects.toBe(reason);
      for (let i = 0; i < 40 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 50));
      expect(alive(grandchild)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('times out with TOOL_TIMEOUT', async () => {
    await expect(runProcess('sleep', ['30'], { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'TOOL_TIMEOUT',
    });
  });
});
