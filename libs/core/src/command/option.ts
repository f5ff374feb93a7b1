import { z } from 'zod';

/**
 * One declaration per option and positional: how it is parsed (kind), how it is shown in `--help`, and a zod
 * schema that turns the raw command-line value into the typed value the command receives. Defaults and
 * validation live in that schema, so the type, the default shown in help and the check cannot drift apart.
 */

/** What the parser hands the schema: a string option gives `string | undefined`, a flag `boolean`, a list `string[]`. */
export type RawValue = string | boolean | string[] | undefined;

export interface OptionSpec<T = unknown> {
  readonly kind: 'string' | 'flag' | 'list';
  readonly description: string;
  /** One letter: `-e` for `--env`. */
  readonly short?: string;
  /** Shown as `--port <N>`. */
  readonly valueName?: string;
  /** The accepted values, when they are a fixed set (help and shell completion list them). */
  readonly choices?: readonly string[];
  readonly schema: z.ZodType<T, RawValue>;
}

export interface PositionalSpec<T = unknown> {
  readonly kind: 'one' | 'rest';
  readonly description: string;
  /** Shown as `<file>`; `rest` as `[file...]`. */
  readonly valueName: string;
  /** The accepted values, when they are a fixed set (the usage line shows `<a|b|c>`). */
  readonly choices?: readonly string[];
  readonly schema: z.ZodType<T, RawValue>;
}

export type OptionsSpec = Record<string, OptionSpec>;
export type PositionalsSpec = Record<string, PositionalSpec>;

/** The values a command's `run` receives: one typed property per declared option and positional. */
export type ValuesOf<S extends Record<string, { schema: z.ZodType<unknown, RawValue> }>> = {
  [K in keyof S]: z.output<S[K]['schema']>;
};

interface Display {
  short?: string;
  /** Shown as `--name <value>`; defaults to the option name. */
  value?: string;
}

// The schema sees RawValue; narrowing to the kind's own input is how each builder stays honest about it.
const asRaw = <T, I extends RawValue>(schema: z.ZodType<T, I>) => schema as unknown as z.ZodType<T, RawValue>;

/** `--name` with no value; false unless given. */
function flag(description: string, display: Pick<Display, 'short'> = {}): OptionSpec<boolean> {
  return { kind: 'flag', description, ...display, schema: asRaw(z.boolean().default(false)) };
}

/** `--name <value>`, validated and typed by `schema` (it receives the string, or undefined when absent). */
function value<S extends z.ZodType<unknown, string | undefined>>(
  description: string,
  schema: S,
  display: Display = {},
): OptionSpec<z.output<S>> {
  const { value: valueName, ...rest } = display;
  return {
    kind: 'string',
    description,
    ...rest,
    ...(valueName ? { valueName } : {}),
    schema: asRaw(schema as z.ZodType<z.output<S>, string | undefined>),
  };
}

/** `--name <value>`: optional string, or a string with a default. */
function string(description: string, display?: Display): OptionSpec<string | undefined>;
function string(description: string, display: Display & { default: string }): OptionSpec<string>;
function string(description: string, display: Display & { default?: string } = {}): OptionSpec<unknown> {
  const { default: fallback, ...rest } = display;
  const schema = z.string().min(1, 'expected a value');
  return value(description, fallback === undefined ? schema.optional() : schema.default(fallback), rest);
}

/** `--name <N>`: an integer within bounds. */
function integer(
  description: string,
  display: Display & { default: number; min?: number; max?: number },
): OptionSpec<number>;
function integer(
  description: string,
  display?: Display & { min?: number; max?: number },
): OptionSpec<number | undefined>;
function integer(
  description: string,
  display: Display & { default?: number; min?: number; max?: number } = {},
): OptionSpec<unknown> {
  const { default: fallback, min, max, ...rest } = display;
  let schema = z.coerce.number<string>({ error: 'expected a whole number' }).int('expected a whole number');
  if (min !== undefined) schema = schema.min(min, `expected ${min} or more`);
  if (max !== undefined) schema = schema.max(max, `expected ${max} or less`);
  return value(description, fallback === undefined ? schema.optional() : schema.default(fallback), {
    value: 'N',
    ...rest,
  });
}

/** `--name <a|b|c>`: one of the given values. */
function oneOf<const V extends readonly [string, ...string[]]>(
  values: V,
  description: string,
  display: Pick<Display, 'short'> & { default: V[number] },
): OptionSpec<V[number]>;
function oneOf<const V extends readonly [string, ...string[]]>(
  values: V,
  description: string,
  display?: Pick<Display, 'short'>,
): OptionSpec<V[number] | undefined>;
function oneOf<const V extends readonly [string, ...string[]]>(
  values: V,
  description: string,
  display: Pick<Display, 'short'> & { default?: V[number] } = {},
): OptionSpec<unknown> {
  const { default: fallback, ...rest } = display;
  const schema = z.enum(values, { error: `expected one of ${values.join(', ')}` });
  const spec = value(description, fallback === undefined ? schema.optional() : schema.default(fallback), {
    value: values.join('|'),
    ...rest,
  });
  return { ...spec, choices: values };
}

/** `--name <value>` that may be repeated; every value checked (and typed) by `item`. */
function list<T extends string = string>(
  description: string,
  display: Display & { item?: z.ZodType<T, string> } = {},
): OptionSpec<T[]> {
  const { item = z.string() as unknown as z.ZodType<T, string>, value: valueName, ...rest } = display;
  const choices = item instanceof z.ZodEnum ? (item.options as string[]) : undefined;
  return {
    kind: 'list',
    description,
    ...rest,
    ...(valueName ? { valueName } : {}),
    ...(choices ? { choices } : {}),
    schema: asRaw(z.array(item).default([])),
  };
}

export const option = { flag, value, string, integer, oneOf, list };

/** A positional argument, typed and validated by `schema` (it receives the string, or undefined when absent). */
function positionalValue<S extends z.ZodType<unknown, string | undefined>>(
  valueName: string,
  description: string,
  schema: S,
): PositionalSpec<z.output<S>> {
  return {
    kind: 'one',
    description,
    valueName,
    schema: asRaw(schema as z.ZodType<z.output<S>, string | undefined>),
  };
}

function required(valueName: string, description: string): PositionalSpec<string> {
  return positionalValue(valueName, description, z.string({ error: `missing <${valueName}>` }).min(1));
}

function optional(valueName: string, description: string): PositionalSpec<string | undefined> {
  return positionalValue(valueName, description, z.string().optional());
}

function positionalOneOf<const V extends readonly [string, ...string[]]>(
  values: V,
  valueName: string,
  description: string,
): PositionalSpec<V[number]> {
  const spec = positionalValue(
    valueName,
    description,
    z.enum(values, {
      error: (issue) =>
        issue.input === undefined
          ? `missing <${valueName}> (one of ${values.join(', ')})`
          : `unknown ${valueName} "${String(issue.input)}": expected one of ${values.join(', ')}`,
    }),
  );
  return { ...spec, choices: values };
}

/** Every remaining positional (zero or more). */
function rest(valueName: string, description: string): PositionalSpec<string[]> {
  return { kind: 'rest', description, valueName, schema: asRaw(z.array(z.string()).default([])) };
}

export const positional = {
  value: positionalValue,
  required,
  optional,
  oneOf: positionalOneOf,
  rest,
};

/** The conventional `--json` flag: the result goes to stdout as JSON, progress stays on stderr. */
export const jsonOption = flag('print the result as JSON on stdout (progress stays on stderr)');
