import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import type { Command, LeafCommand } from './command';
import { usageLine } from './help';
import type { RawValue } from './option';
import { UsageError } from './usage-error';

/** Where a command line leads: the help of a command, or a leaf command with its typed values. */
export type Resolution =
  | { kind: 'help'; path: string; command: Command }
  | { kind: 'run'; path: string; command: LeafCommand; values: Record<string, unknown> };

const isHelp = (token: string) => token === '--help' || token === '-h';

/** Tokens before a bare `--` (after it everything is a positional, even `--help`). */
function optionTokens(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf('--');
  return end === -1 ? argv : argv.slice(0, end);
}

/**
 * Resolves a command line against the declarations. Subcommand names come first among the positionals;
 * options may stand before or after them. `help <sub>` and `--help`/`-h` anywhere (before `--`) ask for help.
 */
export function resolveCommandLine(root: Command, name: string, argv: readonly string[]): Resolution {
  return resolve(root, name, argv);
}

function resolve(command: Command, path: string, argv: readonly string[]): Resolution {
  const tokens = optionTokens(argv);
  if (command.kind === 'leaf') {
    if (tokens.some(isHelp)) return { kind: 'help', path, command };
    return { kind: 'run', path, command, values: parseLeaf(command, path, argv) };
  }
  const index = tokens.findIndex((token) => !token.startsWith('-'));
  const usage = () => usageLine(path, command);
  if (index === -1) {
    if (tokens.some(isHelp)) return { kind: 'help', path, command };
    throw new UsageError(
      `missing command: expected one of ${Object.keys(command.subcommands).join(', ')}`,
      usage(),
      `${path} --help`,
    );
  }
  const name = tokens[index]!;
  const rest = [...argv.slice(0, index), ...argv.slice(index + 1)];
  if (name === 'help' && !('help' in command.subcommands)) return helpFor(command, path, rest);
  const sub = Object.hasOwn(command.subcommands, name) ? command.subcommands[name] : undefined;
  if (!sub) {
    throw new UsageError(
      `unknown command "${name}": expected one of ${Object.keys(command.subcommands).join(', ')}`,
      usage(),
      `${path} --help`,
    );
  }
  return resolve(sub, `${path} ${name}`, rest);
}

/** `help`, `help start`, `help config describe`: the help of the deepest named command. */
function helpFor(command: Command, path: string, names: readonly string[]): Resolution {
  const [name, ...rest] = names.filter((token) => !token.startsWith('-'));
  if (name === undefined || command.kind === 'leaf') return { kind: 'help', path, command };
  const sub = Object.hasOwn(command.subcommands, name) ? command.subcommands[name] : undefined;
  if (!sub) {
    throw new UsageError(
      `unknown command "${name}": expected one of ${Object.keys(command.subcommands).join(', ')}`,
      usageLine(path, command),
      `${path} --help`,
    );
  }
  return helpFor(sub, `${path} ${name}`, rest);
}

/** node:util's messages name the option in quotes; keep the name, say the rest our way. */
function explainParseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]+)/.exec(message)?.[1] ?? 'an option';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (message.includes('does not take an argument')) return `${option} takes no value`;
    if (message.includes('ambiguous'))
      return `${option} needs a value (to pass one that starts with "-", write ${option}=<value>)`;
    return `${option} needs a value`;
  }
  return message;
}

function firstIssue(result: { error?: { issues: { message: string }[] } }): string {
  return result.error?.issues[0]?.message ?? 'invalid value';
}

function parseLeaf(command: LeafCommand, path: string, argv: readonly string[]): Record<string, unknown> {
  const fail = (message: string) => new UsageError(message, usageLine(path, command), `${path} --help`);
  const config: ParseArgsOptionsConfig = {};
  for (const [name, spec] of Object.entries(command.options)) {
    config[name] = {
      type: spec.kind === 'flag' ? 'boolean' : 'string',
      ...(spec.kind === 'list' ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, strict: true, allowPositionals: true });
  } catch (error) {
    throw fail(explainParseError(error));
  }

  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(command.options)) {
    const raw = parsed.values[name] as RawValue;
    const result = spec.schema.safeParse(raw);
    if (!result.success)
      throw fail(raw === undefined ? `missing --${name}` : `--${name}: ${firstIssue(result)}`);
    values[name] = result.data;
  }

  const remaining = [...parsed.positionals];
  for (const [name, spec] of Object.entries(command.positionals)) {
    const raw: RawValue = spec.kind === 'rest' ? remaining.splice(0) : remaining.shift();
    const result = spec.schema.safeParse(raw);
    // Positional schemas word their own messages (they know the name the user sees): shown as they are.
    if (!result.success) throw fail(firstIssue(result));
    values[name] = result.data;
  }
  if (remaining.length > 0) throw fail(`unexpected argument "${remaining[0]}"`);
  return values;
}
