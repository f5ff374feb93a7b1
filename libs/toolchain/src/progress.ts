import { log as defaultLog, type Logger } from '@infra/core';

/** A line per phase with elapsed seconds, and a heartbeat for long phases so CI logs never look stuck. */
export interface Progress {
  phase<T>(label: string, work: () => Promise<T>): Promise<T>;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function createProgress(
  subject: string,
  options: { logger?: Logger; heartbeatMs?: number; now?: () => number } = {},
): Progress {
  const logger = options.logger ?? defaultLog;
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  return {
    async phase(label, work) {
      const start = now();
      logger.step(`${subject}: ${label}`);
      const timer = setInterval(() => {
        logger.info(`${subject}: ${label} still running (${formatSeconds(now() - start)})`);
      }, heartbeatMs);
      timer.unref();
      try {
        const result = await work();
        logger.info(`${subject}: ${label} done in ${formatSeconds(now() - start)}`);
        return result;
      } catch (error) {
        logger.info(`${subject}: ${label} failed after ${formatSeconds(now() - start)}`);
        throw error;
      } finally {
        clearInterval(timer);
      }
    },
  };
}
