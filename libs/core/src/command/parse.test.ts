import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineCommand, defineGroup } from './command';
import { jsonOption, option, positional } from './option';
import { resolveCommandLine } from './parse';
import { UsageError } from './usage-error';

const start = defineCommand({
  description: 'start the simulator',
  options: {
    port: option.integer('port to listen on', { default: 8006, min: 0, max: 65535 }),
    detach: option.flag('run in the background'),
    env: option.string('environment', { short: 'e', default: 'local' }),
    os: option.value(
      'OS to build',
      z
        .string()
        .regex(/^[a-z]+$/, 'expected a name like talos')
        .optional(),
    ),
    role: option.list('grant a role', { value: '/path=Role', item: z.string().regex(/=/, 'use /path=Role') }),
    json: jsonOption,
  },
  positionals: { file: positional.optional('file', 'a file') },
  run: () => 0,
});
const cli = defineGroup({
  description: 'the simulator',
  subcommands: {
    start,
    validate: defineCommand({
      description: 'validate a project',
      positionals: {
        kind: positional.oneOf(['packer', 'terraform'], 'kind', 'validator kind'),
        root: positional.required('root', 'project root'),
        more: positional.rest('extra', 'more'),
      },
      run: ({ args }) => {
        expectTypeOf(args.kind).toEqualTypeOf<'packer' | 'terraform'>();
        expectTypeOf(args.root).toEqualTypeOf<string>();
        expectTypeOf(args.more).toEqualTypeOf<string[]>();
      },
    }),
  },
});

const resolveArgs = (...argv: string[]) => resolveCommandLine(cli, 'sim.ts', argv);
const usageErrorOf = (...argv: string[]): UsageError => {
  try {
    resolveArgs(...argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
};

describe('resolveCommandLine', () => {
  it('gives typed values with the declared defaults', () => {
    const resolution = resolveArgs(
      'start',
      '-e',
      'lab',
      '--role',
      '/=Admin',
      '--role',
      '/vms=Audit',
      'x.yaml',
    );
    expect(resolution).toMatchObject({
      kind: 'run',
      path: 'sim.ts start',
      values: {
        port: 8006,
        detach: false,
        env: 'lab',
        os: undefined,
        role: ['/=Admin', '/vms=Audit'],
        json: false,
        file: 'x.yaml',
      },
    });
  });

  it('accepts options before the subcommand name', () => {
    expect(resolveArgs('--json', 'start', '--port=9')).toMatchObject({ values: { json: true, port: 9 } });
  });

  it('routes --help, -h and help <sub> to help, at any depth', () => {
    expect(resolveArgs('--help')).toMatchObject({ kind: 'help', path: 'sim.ts' });
    expect(resolveArgs('start', '-h')).toMatchObject({ kind: 'help', path: 'sim.ts start' });
    expect(resolveArgs('start', '--bogus', '--help')).toMatchObject({ kind: 'help' });
    expect(resolveArgs('help', 'validate')).toMatchObject({ kind: 'help', path: 'sim.ts validate' });
    expect(resolveArgs('help')).toMatchObject({ kind: 'help', path: 'sim.ts' });
  });

  it('treats --help after -- as a positional', () => {
    expect(resolveArgs('start', '--', '--help')).toMatchObject({ kind: 'run', values: { file: '--help' } });
  });

  it('rejects unknown options, missing values and flags given values, naming the option', () => {
    expect(usageErrorOf('start', '--bogus').message).toBe('unknown option --bogus');
    expect(usageErrorOf('start', '-x').message).toBe('unknown option -x');
    expect(usageErrorOf('start', '--port').message).toBe('--port needs a value');
    expect(usageErrorOf('start', '--port', '--json').message).toMatch(/^--port needs a value/);
    expect(usageErrorOf('start', '--json=yes').message).toBe('--json takes no value');
  });

  it('validates values through the declared schema', () => {
    expect(usageErrorOf('start', '--port', 'abc').message).toBe('--port: expected a whole number');
    expect(usageErrorOf('start', '--port', '70000').message).toBe('--port: expected 65535 or less');
    expect(usageErrorOf('start', '--os', 'Win 11').message).toBe('--os: expected a name like talos');
    expect(usageErrorOf('start', '--role', 'admin').message).toBe('--role: use /path=Role');
  });

  it('checks positionals: missing, not one of, one too many', () => {
    expect(usageErrorOf('validate').message).toBe('missing <kind> (one of packer, terraform)');
    expect(usageErrorOf('validate', 'helm', 'x').message).toBe(
      'unknown kind "helm": expected one of packer, terraform',
    );
    expect(usageErrorOf('validate', 'packer').message).toBe('missing <root>');
    expect(usageErrorOf('start', 'a', 'b').message).toBe('unexpected argument "b"');
    expect(resolveArgs('validate', 'packer', 'p', 'q', 'r')).toMatchObject({ values: { more: ['q', 'r'] } });
  });

  it('names unknown and missing subcommands, with the usage line of the level that failed', () => {
    const unknown = usageErrorOf('explode');
    expect(unknown.message).toBe('unknown command "explode": expected one of start, validate');
    expect(unknown.usage).toBe('usage: sim.ts <start|validate> [options]');
    expect(usageErrorOf().message).toBe('missing command: expected one of start, validate');
    expect(usageErrorOf('help', 'nope').message).toMatch(/^unknown command "nope"/);
    expect(usageErrorOf('start', '--bogus').usage).toBe(
      'usage: sim.ts start [file] [--port <N>] [--detach] [--env <env>] [--os <os>] [--role </path=Role>...] [--json]',
    );
  });

  it('does not treat prototype names as subcommands', () => {
    expect(usageErrorOf('constructor').message).toMatch(/^unknown command "constructor"/);
  });
});
