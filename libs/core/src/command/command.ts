import type { Logger } from '../log';
import type { OptionsSpec, PositionalsSpec, ValuesOf } from './option';

/** What a command's `run` gets: typed values, the logger, and a signal that fires on SIGINT/SIGTERM. */
export interface RunContext<V> {
  readonly args: V;
  readonly log: Logger;
  /**
   * Aborted on the first SIGINT/SIGTERM (its reason is an InfraError with code INTERRUPTED). Hand it to
   * every long operation (`runProcess`, fetch, waits), so an interrupt unwinds through the same cleanup as a
   * failure. A second signal exits at once.
   */
  readonly signal: AbortSignal;
  /** `sim.ts start`: the names that led here, for messages. */
  readonly path: string;
}

/** A number is the exit code; nothing means 0. */
export type RunResult = number | undefined;

/** A command that does something. Its options and positionals are declared once, here. */
export interface LeafCommand {
  readonly kind: 'leaf';
  readonly description: string;
  readonly options: OptionsSpec;
  readonly positionals: PositionalsSpec;
  readonly examples: readonly string[];
  readonly run: (context: RunContext<Record<string, unknown>>) => Promise<RunResult> | RunResult;
}

/** A command made of subcommands (`sim.ts start|stop|...`). */
export interface GroupCommand {
  readonly kind: 'group';
  readonly description: string;
  readonly subcommands: Readonly<Record<string, Command>>;
  readonly examples: readonly string[];
}

export type Command = LeafCommand | GroupCommand;

export interface LeafDefinition<O extends OptionsSpec, P extends PositionalsSpec> {
  /** One line; `./infra help` and the parent's help show it. */
  description: string;
  options?: O;
  /** In order of appearance; at most one `rest`, last. */
  positionals?: P;
  examples?: string[];
  // biome-ignore lint/suspicious/noConfusingVoidType: a run that returns nothing means exit code 0
  run: (context: RunContext<ValuesOf<O> & ValuesOf<P>>) => Promise<RunResult | void> | RunResult | void;
}

export function defineCommand<
  const O extends OptionsSpec = Record<never, never>,
  const P extends PositionalsSpec = Record<never, never>,
>(definition: LeafDefinition<O, P>): LeafCommand {
  const positionals: PositionalsSpec = definition.positionals ?? {};
  const specs = Object.values(positionals);
  if (specs.slice(0, -1).some((spec) => spec.kind === 'rest'))
    throw new Error('defineCommand: a rest positional must come last');
  return {
    kind: 'leaf',
    description: definition.description,
    options: definition.options ?? {},
    positionals,
    examples: definition.examples ?? [],
    // The values are built by parseArguments from these very specs, so they have the declared types.
    run: async (context) =>
      (await definition.run(context as unknown as RunContext<ValuesOf<O> & ValuesOf<P>>)) ?? undefined,
  };
}

export function defineGroup(definition: {
  description: string;
  subcommands: Record<string, Command>;
  examples?: string[];
}): GroupCommand {
  return {
    kind: 'group',
    description: definition.description,
    subcommands: definition.subcommands,
    examples: definition.examples ?? [],
  };
}
