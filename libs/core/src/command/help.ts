import type { Command, LeafCommand } from './command';
import type { OptionSpec, PositionalSpec, RawValue } from './option';

/** What `--help` prints, generated from the declarations (nothing here is hand-kept per command). */

/** The value a schema takes when the option is absent; undefined when it has none or is required. */
function defaultOf(spec: { schema: { safeParse(value: RawValue): { success: boolean; data?: unknown } } }) {
  const parsed = spec.schema.safeParse(undefined);
  if (!parsed.success) return { required: true, value: undefined };
  const value = parsed.data;
  const shown =
    value === undefined || value === false || (Array.isArray(value) && value.length === 0)
      ? undefined
      : String(value);
  return { required: false, value: shown };
}

function optionSynopsis(name: string, spec: OptionSpec): string {
  if (spec.kind === 'flag') return `--${name}`;
  const value = `--${name} <${spec.valueName ?? name}>`;
  return spec.kind === 'list' ? `${value}...` : value;
}

function positionalSynopsis(spec: PositionalSpec, withChoices = true): string {
  if (spec.kind === 'rest') return `[${spec.valueName}...]`;
  const name = withChoices && spec.choices ? spec.choices.join('|') : spec.valueName;
  return defaultOf(spec).required ? `<${name}>` : `[${name}]`;
}

/** One line: `usage: sim.ts start [--port <N>] [--detach]`. Required options are shown without brackets. */
export function usageLine(path: string, command: Command): string {
  if (command.kind === 'group')
    return `usage: ${path} <${Object.keys(command.subcommands).join('|')}> [options]`;
  return `usage: ${[path, ...leafSynopsis(command)].join(' ')}`;
}

/** Past this many optional options the usage line says `[options]` and leaves them to `--help`. */
const MAX_LISTED_OPTIONS = 6;

function leafSynopsis(command: LeafCommand): string[] {
  const parts = Object.values(command.positionals).map((spec) => positionalSynopsis(spec));
  const options = Object.entries(command.options);
  const optional = options.filter(([, spec]) => !defaultOf(spec).required);
  for (const [name, spec] of options) {
    const synopsis = optionSynopsis(name, spec);
    if (defaultOf(spec).required) parts.push(synopsis);
    else if (optional.length <= MAX_LISTED_OPTIONS) parts.push(`[${synopsis}]`);
  }
  if (optional.length > MAX_LISTED_OPTIONS) parts.push('[options]');
  return parts;
}

function table(rows: [string, string][]): string[] {
  const width = Math.min(32, Math.max(...rows.map(([left]) => left.length)));
  return rows.map(([left, right]) =>
    left.length > width ? `  ${left}\n  ${' '.repeat(width)}  ${right}` : `  ${left.padEnd(width)}  ${right}`,
  );
}

/** The full `--help` text. */
export function renderHelp(path: string, command: Command): string {
  const lines = [command.description, '', usageLine(path, command)];
  if (command.kind === 'group') {
    lines.push('', 'commands:');
    lines.push(...table(Object.entries(command.subcommands).map(([name, sub]) => [name, sub.description])));
    lines.push('', `run '${path} <command> --help' (or '${path} help <command>') for a command's options`);
  } else {
    const positionals = Object.values(command.positionals);
    if (positionals.length > 0) {
      lines.push('', 'arguments:');
      lines.push(
        ...table(
          positionals.map((spec) => [
            positionalSynopsis(spec, false),
            spec.choices ? `${spec.description}: ${spec.choices.join(', ')}` : spec.description,
          ]),
        ),
      );
    }
    lines.push('', 'options:');
    const rows: [string, string][] = Object.entries(command.options).map(([name, spec]) => {
      const { required, value } = defaultOf(spec);
      const left = `${spec.short ? `-${spec.short}, ` : '    '}${optionSynopsis(name, spec)}`;
      const notes = [required ? '(required)' : '', value === undefined ? '' : `(default: ${value})`];
      return [left, [spec.description, ...notes].filter(Boolean).join(' ')];
    });
    rows.push(['-h, --help', 'show this help']);
    lines.push(...table(rows));
  }
  if (command.examples.length > 0) lines.push('', 'examples:', ...command.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}
