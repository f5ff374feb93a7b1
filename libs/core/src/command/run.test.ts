import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InfraError } from '../errors';
import { createLogger } from '../log';
import { clearSecretsForTests, registerSecret } from '../redact';
import { defineCommand, defineGroup } from './command';
import { renderHelp } from './help';
import { jsonOption, option, positional } from './option';
import { runCommand } from './run';

function captureOutput() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  const log = createLogger({ write: (chunk: string) => err.push(chunk) });
  return { log, stdout: () => out.join(''), stderr: () => err.join('') };
}
afterEach(() => vi.restoreAllMocks());

const seen: unknown[] = [];
const cli = defineGroup({
  description: 'demo tool',
  subcommands: {
    greet: defineCommand({
      description: 'say hello',
      options: {
        loud: option.flag('shout', { short: 'l' }),
        times: option.integer('repeat', { default: 1 }),
      },
      positionals: { who: positional.required('name', 'who to greet') },
      examples: ['demo.ts greet world --loud'],
      run: ({ args }) => {
        seen.push(args);
        return args.loud ? 3 : undefined;
      },
    }),
    fail: defineCommand({
      description: 'fail on purpose',
      options: { json: jsonOption },
      run: () => {
        throw new InfraError('DEMO_BROKEN', 'the demo is broken', { hint: 'fix the demo' });
      },
    }),
    wait: defineCommand({
      description: 'wait for an interrupt',
      run: async ({ signal }) => {
        setImmediate(() => process.emit('SIGINT'));
        await once(signal, 'abort');
        throw signal.reason;
      },
    }),
  },
});

describe('runCommand', () => {
  it('runs the command with typed values and returns its exit code', async () => {
    const io = captureOutput();
    expect(await runCommand(cli, { name: 'demo.ts', argv: ['greet', 'world', '-l'], log: io.log })).toBe(3);
    expect(seen.at(-1)).toEqual({ loud: true, times: 1, who: 'world' });
    expect(await runCommand(cli, { name: 'demo.ts', argv: ['greet', 'x'], log: io.log })).toBe(0);
  });

  it('prints help on stdout and exits 0', async () => {
    const io = captureOutput();
    expect(await runCommand(cli, { name: 'demo.ts', argv: ['help', 'greet'], log: io.log })).toBe(0);
    expect(io.stdout()).toContain('usage: demo.ts greet <name> [--loud] [--times <N>]');
    expect(io.stdout()).toContain('-l, --loud');
    expect(io.stdout()).toContain('(default: 1)');
    expect(io.stderr()).toBe('');
  });

  it('turns a bad command line into one error line plus the usage line, exit 2, nothing on stdout', async () => {
    const io = captureOutput();
    expect(await runCommand(cli, { name: 'demo.ts', argv: ['greet', 'x', '--lound'], log: io.log })).toBe(2);
    expect(io.stderr()).toBe(
      '✖ error: unknown option --lound [USAGE]\n' +
        'usage: demo.ts greet <name> [--loud] [--times <N>]\n' +
        'demo.ts greet --help shows every option\n',
    );
    expect(io.stdout()).toBe('');
  });

  it('prints an InfraError as message [CODE] + hint, exit 1, and as JSON on stdout with --json', async () => {
    const io = captureOutput();
    expect(await runCommand(cli, { name: 'demo.ts', argv: ['fail', '--json'], log: io.log })).toBe(1);
    expect(io.stderr()).toBe('✖ error: the demo is broken [DEMO_BROKEN]\n  hint: fix the demo\n');
    expect(JSON.parse(io.stdout())).toEqual({
      error: { code: 'DEMO_BROKEN', message: 'the demo is broken', hint: 'fix the demo' },
    });
    expect(io.stderr()).not.toContain('bug in infra');
  });

  it('shows the stack only with INFRA_DEBUG=1, redacted, and calls anything but an InfraError a bug', async () => {
    registerSecret('s3cr3t-in-a-stack');
    const crash = defineCommand({
      description: 'crash',
      run: () => {
        throw new Error('boom with s3cr3t-in-a-stack');
      },
    });
    try {
      const quiet = captureOutput();
      expect(await runCommand(crash, { name: 'crash.ts', argv: [], log: quiet.log })).toBe(1);
      expect(quiet.stderr()).toBe(
        '✖ error: unexpected failure: boom with ***\n' +
          '  this is a bug in infra; rerun with INFRA_DEBUG=1 for the stack\n',
      );
      vi.restoreAllMocks();
      vi.stubEnv('INFRA_DEBUG', '1');
      const debug = captureOutput();
      await runCommand(crash, { name: 'crash.ts', argv: [], log: debug.log });
      expect(debug.stderr()).toMatch(/Error: boom with \*\*\*\n\s+at /);
      expect(debug.stderr()).not.toContain('s3cr3t-in-a-stack');
    } finally {
      vi.unstubAllEnvs();
      clearSecretsForTests();
    }
  });

  it('aborts the signal on SIGINT and exits 130 after the command unwinds', async () => {
    const io = captureOutput();
    expect(await runCommand(cli, { name: 'demo.ts', argv: ['wait'], log: io.log })).toBe(130);
    expect(io.stderr()).toContain('SIGINT: stopping and cleaning up');
    expect(io.stderr()).toContain('interrupted by SIGINT [INTERRUPTED]');
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});

describe('renderHelp', () => {
  it('lists subcommands with their descriptions', () => {
    const help = renderHelp('demo.ts', cli);
    expect(help).toContain('usage: demo.ts <greet|fail|wait> [options]');
    expect(help).toMatch(/^ {2}greet +say hello$/m);
    expect(help).toContain("'demo.ts help <command>'");
  });
});
