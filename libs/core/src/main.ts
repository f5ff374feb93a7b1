import { isInfraError } from './errors';
import { log } from './log';
import { redact } from './redact';

/**
 * Runs a script's main function and turns every failure into one clear, redacted message and exit code 1.
 * Known failures (InfraError) print message + hint; anything else is a bug and says so. Stacks only with
 * INFRA_DEBUG=1, and redacted too.
 */
export async function runMain(main: () => Promise<unknown>): Promise<void> {
  try {
    const code = await main();
    if (typeof code === 'number') process.exitCode = code;
  } catch (error) {
    process.exitCode = 1;
    if (isInfraError(error)) {
      log.error(`${error.message} [${error.code}]`);
      if (error.hint) log.info(`hint: ${error.hint}`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      log.error(`unexpected failure: ${message}`);
      log.info('this is a bug in infra; rerun with INFRA_DEBUG=1 for the stack');
    }
    if (process.env.INFRA_DEBUG === '1' && error instanceof Error && error.stack) {
      process.stderr.write(`${redact(error.stack)}\n`);
    }
  }
}
