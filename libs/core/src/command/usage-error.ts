import { type CoreErrorCode, InfraError } from '../errors';

/**
 * A command line that does not match the declarations: unknown option, missing or invalid value, unknown
 * subcommand. Printed as one error line plus the usage line, exit code 2 (the convention of getopt tools).
 */
export class UsageError extends InfraError<CoreErrorCode> {
  /** `usage: sim.ts start [--port N] ...` */
  readonly usage: string;
  /** `sim.ts start --help` */
  readonly helpCommand: string;

  constructor(message: string, usage: string, helpCommand: string) {
    super('USAGE', message, { hint: `${helpCommand} shows every option` });
    this.name = 'UsageError';
    this.usage = usage;
    this.helpCommand = helpCommand;
  }
}

export const USAGE_EXIT_CODE = 2;
