import { redact } from './redact';

/**
 * Human progress goes to stderr (stdout is reserved for results and `--json`), always through `redact`.
 * Colour only on a TTY and when NO_COLOR is unset.
 */
export interface Logger {
  step(message: string): void;
  info(message: string): void;
  success(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Only with INFRA_DEBUG=1. */
  debug(message: string): void;
}

type Stream = { write(chunk: string): unknown; isTTY?: boolean };

const useColour = (stream: Stream) => Boolean(stream.isTTY) && !process.env.NO_COLOR;

export function createLogger(stream: Stream = process.stderr): Logger {
  const paint = (code: string, text: string) =>
    useColour(stream) ? `\u001b[${code}m${text}\u001b[0m` : text;
  const write = (prefix: string, message: string) => {
    for (const line of redact(message).split('\n')) stream.write(`${prefix}${line}\n`);
  };
  return {
    step: (m) => write(paint('36', '› '), m),
    info: (m) => write('  ', m),
    success: (m) => write(paint('32', '✔ '), m),
    warn: (m) => write(paint('33', '! warning: '), m),
    error: (m) => write(paint('31', '✖ error: '), m),
    debug: (m) => {
      if (process.env.INFRA_DEBUG === '1') write(paint('2', '· '), m);
    },
  };
}

export const log: Logger = createLogger();

let resultPrinted = false;

/** Writes a result to stdout (redacted): JSON when asked for, text otherwise. */
export function printResult(value: unknown, asJson: boolean, text?: () => string): void {
  const body = asJson ? JSON.stringify(value, null, 2) : (text?.() ?? String(value));
  resultPrinted = true;
  process.stdout.write(`${redact(body)}\n`);
}

/** Whether this process printed its result already (then a later failure adds no second JSON document). */
export function hasPrintedResult(): boolean {
  return resultPrinted;
}
