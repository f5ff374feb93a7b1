import { type CoreErrorCode, InfraError } from '../errors';
import type { Logger } from '../log';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof EXIT_CODES;

/** Process-group leaders started by `runProcess`, killed on a hard exit so no child outlives us. */
const liveGroups = new Set<number>();

export function trackProcessGroup(pid: number): () => void {
  liveGroups.add(pid);
  return () => liveGroups.delete(pid);
}

export interface Interrupt {
  readonly signal: AbortSignal;
  /** The signal that fired, for the exit code. */
  received(): HandledSignal | undefined;
  exitCode(): number | undefined;
  dispose(): void;
}

/**
 * First SIGINT/SIGTERM: abort the command's signal (reason: InfraError INTERRUPTED), so long operations
 * unwind through their cleanup as on a failure. Second: kill our child process groups and exit at once.
 */
export function watchInterrupts(log: Logger, exit: (code: number) => never = process.exit): Interrupt {
  const controller = new AbortController();
  let first: HandledSignal | undefined;
  const onSignal = (signal: HandledSignal) => {
    if (first === undefined) {
      first = signal;
      log.warn(`${signal}: stopping and cleaning up (send it again to exit at once)`);
      controller.abort(
        new InfraError<CoreErrorCode>('INTERRUPTED', `interrupted by ${signal}`, {
          hint: 'partial work was cleaned up; run the command again to finish it',
        }),
      );
      return;
    }
    for (const pid of liveGroups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    exit(EXIT_CODES[signal]);
  };
  const handlers = {
    SIGINT: () => onSignal('SIGINT'),
    SIGTERM: () => onSignal('SIGTERM'),
  };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  return {
    signal: controller.signal,
    received: () => first,
    exitCode: () => (first ? EXIT_CODES[first] : undefined),
    dispose: () => {
      process.off('SIGINT', handlers.SIGINT);
      process.off('SIGTERM', handlers.SIGTERM);
    },
  };
}
