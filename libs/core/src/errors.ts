/**
 * The one error type scripts show to people. `code` is stable (for tests and `--json`), `message` says what
 * is wrong and where, `hint` says how to fix it. Anything else that reaches `runMain` is a bug.
 */
export class InfraError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /** Structured context for `--json` output; never holds secret values. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
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

export function isInfraError(error: unknown): error is InfraError {
  return error instanceof InfraError;
}
