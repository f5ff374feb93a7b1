import { appendFile } from 'node:fs/promises';
import { UNKNOWN_ENDPOINT_KEY, validateRequest } from '@infra/pve-api';

/**
 * `PVE_SIM_LOG=<file>`: one JSON line per request — time, method, path, the parameter NAMES (never values:
 * they carry passwords, tokens and keys), the status, and the verdict of the official PVE 9.0 schema on the
 * request as sent — for contract checks of what a client (ours, tofu's bpg provider, Packer) sends.
 */
export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  params: string[];
  status: number;
  /**
   * `valid`: the official schema accepts the parameters; `invalid`: it does not (`schemaErrors` names the
   * parameters, never their values); `unlisted`: the endpoint is outside the project's table (`@infra/pve-api`).
   */
  schema: 'valid' | 'invalid' | 'unlisted';
  schemaErrors?: string[];
}

/** The official schema's verdict on one request. */
export function schemaVerdict(
  method: string,
  rawPath: string,
  params: Readonly<Record<string, unknown>>,
): Pick<RequestLogEntry, 'schema' | 'schemaErrors'> {
  const errors = validateRequest(method, rawPath, params);
  if (!errors) return { schema: 'valid' };
  if (UNKNOWN_ENDPOINT_KEY in errors) return { schema: 'unlisted' };
  return { schema: 'invalid', schemaErrors: Object.keys(errors).sort() };
}

export class RequestLog {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly file: string | undefined) {}

  get enabled(): boolean {
    return this.file !== undefined;
  }

  record(
    method: string,
    path: string,
    paramNames: readonly string[],
    status: number,
    verdict: Pick<RequestLogEntry, 'schema' | 'schemaErrors'>,
  ): void {
    if (!this.file) return;
    const entry: RequestLogEntry = {
      time: new Date().toISOString(),
      method,
      path,
      params: [...paramNames].sort(),
      status,
      ...verdict,
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
