import { reportFailure } from './failure';
import { log } from './log';

/**
 * Runs a main function and turns every failure into one clear, redacted message and exit code 1. Scripts
 * use `runScript` (the command framework) instead; this stays for one-off entry points with no arguments
 * (benchmarks, code generators).
 */
export async function runMain(main: () => Promise<unknown>): Promise<void> {
  try {
    const code = await main();
    if (typeof code === 'number') process.exitCode = code;
  } catch (error) {
    process.exitCode = reportFailure(error, log);
  }
}
