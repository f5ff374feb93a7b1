/**
 * The one error type scripts show to people. `code` is stable (for tests and `--json`), `message` says what
 * is wrong and where, `hint` says how to fix it. Anything else that reaches `runScript` is a bug.
 */
export class InfraError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly hint: string | undefined;
  /** Structured context for `--json` output; never holds secret values. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: Code,
    message: string,
    options: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InfraError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** The codes @infra/core itself throws (the runner, the command framework and its USAGE errors, interrupts). */
export type CoreErrorCode =
  | 'ABORTED'
  | 'INTERRUPTED'
  | 'DAEMON_START_FAILED'
  | 'PROCESS_FAILED'
  | 'PROCESS_OPTIONS_INVALID'
  | 'TOOL_MISSING'
  | 'TOOL_TIMEOUT'
  | 'USAGE';

/**
 * Each library names its codes as a union (`ProxmoxErrorCode`, ...). Checking a code through it makes a
 * misspelt one a type error: `isInfraError<CoreErrorCode>(error, 'TOOL_MISSING')`.
 */
export function isInfraError<Code extends string = string>(
  error: unknown,
  ...codes: readonly NoInfer<Code>[]
): error is InfraError<Code> {
  return error instanceof InfraError && (codes.length === 0 || codes.includes(error.code as Code));
}
