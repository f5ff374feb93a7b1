import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

/**
 * Writes responses the way pve-http-server's JSON formatter does: `{"data": …}` on success,
 * `{"data": null, "message": "…\n"[, "errors": {…}]}` on errors, the first line of the message as the
 * HTTP reason phrase, an empty body for 401, gzip above 1 KiB when the client accepts it, and the
 * connection closed after any status >= 400.
 */
const COMMON_HEADERS = {
  Server: 'pve-api-daemon/3.0',
  'Cache-Control': 'max-age=0',
  Pragma: 'no-cache',
};

/** The reason phrase: first line only, and only characters an HTTP status line can carry. */
export function reasonPhrase(message: string): string {
  const first = /^(.*)$/m.exec(message)?.[1] ?? '';
  return first.replace(/[^\t\x20-\x7e]/g, '?');
}

export function sendResult(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): void {
  send(req, res, 200, 'OK', JSON.stringify(body));
}

export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  errors?: Record<string, string>,
): void {
  if (status === 401) {
    send(req, res, status, reasonPhrase(message), '');
    return;
  }
  const body: Record<string, unknown> = { data: null, message: `${message}\n` };
  if (errors) body.errors = errors;
  send(req, res, status, reasonPhrase(message), JSON.stringify(body));
}

function send(req: IncomingMessage, res: ServerResponse, status: number, reason: string, text: string): void {
  // The client is gone (e.g. it broke off an upload mid-body): there is no one to answer, and writing to the
  // destroyed response would only raise ERR_STREAM_DESTROYED.
  if (res.destroyed || req.socket.destroyed) return;
  let payload: Buffer = Buffer.from(text, 'utf8');
  const headers: Record<string, string | number> = {
    ...COMMON_HEADERS,
    Expires: new Date().toUTCString(),
    'Content-Type': 'application/json;charset=UTF-8',
  };
  if (payload.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    payload = gzipSync(payload);
    headers['Content-Encoding'] = 'gzip';
  }
  headers['Content-Length'] = payload.length;
  if (status >= 400) headers.Connection = 'close';
  res.writeHead(status, reason, headers);
  res.end(payload);
}
