/**
 * Errors a handler raises, shaped like pve-http-server's: `raise_param_exc` (400 + per-parameter map),
 * `raise_perm_exc` (403), a plain `die` (500) and the proxy pseudo-codes (595/596). The message is what
 * Proxmox puts on the status line and in the JSON body (with a trailing newline there).
 */
export class PveApiError extends Error {
  readonly status: number;
  readonly errors: Record<string, string> | undefined;

  constructor(status: number, message: string, errors?: Record<string, string>) {
    super(message);
    this.name = 'PveApiError';
    this.status = status;
    this.errors = errors;
  }
}

/** 400 `Parameter verification failed.` with the per-parameter messages. */
export function paramError(errors: Record<string, string>): PveApiError {
  return new PveApiError(400, 'Parameter verification failed.', errors);
}

/** 403 as `raise_perm_exc("<path>, <privs>")` prints it; `any` joins alternatives with `|`. */
export function permError(path?: string, privileges?: readonly string[], any = false): PveApiError {
  if (path === undefined) return new PveApiError(403, 'Permission check failed');
  const privs = privileges && privileges.length > 0 ? `, ${privileges.join(any ? '|' : ',')}` : '';
  return new PveApiError(403, `Permission check failed (${path}${privs})`);
}

/** 500: a `die` inside a handler. */
export function dieError(message: string): PveApiError {
  return new PveApiError(500, message);
}

export function notImplemented(method: string, path: string): PveApiError {
  return new PveApiError(501, `Method '${method} ${path}' not implemented`);
}

/** 401 (empty body; the first line of the message becomes the status line). */
export function authError(message: string): PveApiError {
  return new PveApiError(401, message);
}

export function isPveApiError(error: unknown): error is PveApiError {
  return error instanceof PveApiError;
}
