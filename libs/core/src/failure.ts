import { USAGE_EXIT_CODE, UsageError } from './command/usage-error';
import { isInfraError } from './errors';
import { hasPrintedResult, type Logger } from './log';
import { redact } from './redact';

/**
 * Prints a failure the one way every script does and returns its exit code: a usage error is one line plus
 * the usage line (2); an InfraError is `error: message [CODE]` plus its hint (1); anything else is a bug and
 * says so (1). The stack only with INFRA_DEBUG=1, redacted like everything else. With `json`, the error is
 * also written to stdout as `{"error":{...}}` (unless a result was printed already), so a caller parsing
 * stdout always gets one JSON document.
 */
export function reportFailure(error: unknown, log: Logger, options: { json?: boolean } = {}): number {
  if (error instanceof UsageError) {
    log.error(`${error.message} [${error.code}]`);
    process.stderr.write(`${error.usage}\n${error.hint}\n`);
    return USAGE_EXIT_CODE;
  }
  if (isInfraError(error)) {
    log.error(`${error.message} [${error.code}]`);
    if (error.hint) log.info(`hint: ${error.hint}`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    log.error(`unexpected failure: ${message}`);
    log.info('this is a bug in infra; rerun with INFRA_DEBUG=1 for the stack');
  }
  if (options.json && !hasPrintedResult()) {
    const body = isInfraError(error)
      ? { code: error.code, message: error.message, hint: error.hint, details: error.details }
      : { code: 'UNEXPECTED', message: error instanceof Error ? error.message : String(error) };
    process.stdout.write(`${redact(JSON.stringify({ error: body }))}\n`);
  }
  if (process.env.INFRA_DEBUG === '1' && error instanceof Error && error.stack) {
    process.stderr.write(`${redact(error.stack)}\n`);
  }
  return 1;
}
