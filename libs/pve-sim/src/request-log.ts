import { appendFile } from 'node:fs/promises';

/**
 * `PVE_SIM_LOG=<file>`: one JSON line per request — time, method, path, the parameter NAMES (never values:
 * they carry passwords, tokens and keys) and the status — for contract checks of what a client sends.
 */
export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  params: string[];
  status: number;
}

export class RequestLog {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly file: string | undefined) {}

  record(method: string, path: string, paramNames: readonly string[], status: number): void {
    if (!this.file) return;
    const entry: RequestLogEntry = {
      time: new Date().toISOString(),
      method,
      path,
      params: [...paramNames].sort(),
      status,
    };
    const file = this.file;
    this.chain = this.chain
      .then(() => appendFile(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 }))
      .catch(() => undefined);
  }

  flush(): Promise<void> {
    return this.chain;
  }
}
