import { InfraError } from '@infra/core';
import {
  type ProxmoxErrorCode,
  PveAuthError,
  type PveError,
  PveNodeError,
  PveNotImplementedError,
  PveParameterError,
  PvePermissionError,
  PveServerError,
  PveTransportError,
  type RequestRef,
} from './errors';
import { TlsFingerprintMismatchError } from './tls';

export interface RawResponse {
  status: number;
  /** The HTTP reason phrase; Proxmox puts the first line of the error message there. */
  statusText: string;
  bodyText: string;
}

interface ErrorBody {
  message?: string;
  errors?: Record<string, string>;
}

function parseErrorBody(text: string): ErrorBody {
  if (!text) return {};
  try {
    const json = JSON.parse(text) as unknown;
    if (json === null || typeof json !== 'object') return {};
    const body = json as Record<string, unknown>;
    const out: ErrorBody = {};
    if (typeof body.message === 'string') out.message = body.message;
    if (body.errors && typeof body.errors === 'object') {
      out.errors = Object.fromEntries(
        Object.entries(body.errors).map(([k, v]) => [k, String(v).replace(/\n+$/, '')]),
      );
    }
    return out;
  } catch {
    return {};
  }
}

/** Maps a non-2xx Proxmox reply onto the typed errors. */
export function errorFromResponse(request: RequestRef, response: RawResponse): PveError {
  const body = parseErrorBody(response.bodyText);
  const message = (body.message ?? response.statusText ?? '').trim();
  const { status } = response;
  if (status === 400) return new PveParameterError(request, body.errors ?? {}, { message });
  if (status === 401) return new PveAuthError(request, message);
  if (status === 403) return new PvePermissionError(request, message);
  if (status === 501) return new PveNotImplementedError(request, message);
  if (status === 595 || status === 596 || status === 599) return new PveNodeError(request, status, message);
  return new PveServerError(request, status, message);
}

const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The innermost cause with a `code`, through fetch's `TypeError: fetch failed` wrapper. */
function rootCause(error: unknown): unknown {
  let current: unknown = error;
  for (let depth = 0; depth < 5; depth += 1) {
    if (current instanceof TlsFingerprintMismatchError) return current;
    const next = (current as { cause?: unknown } | null)?.cause;
    if ((current as { code?: unknown } | null)?.code !== undefined || next === undefined) return current;
    current = next;
  }
  return current;
}

/** Maps an exception from fetch onto a transport or TLS error (or returns TLS pin errors as they are). */
export function errorFromTransport(request: RequestRef, error: unknown, endpoint: string): InfraError {
  const cause = rootCause(error);
  if (cause instanceof TlsFingerprintMismatchError) return cause.forRequest(request);
  if (error instanceof InfraError) return error;
  const code = (cause as { code?: unknown } | null)?.code;
  const codeText = typeof code === 'string' ? code : undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (codeText && TLS_VERIFY_CODES.has(codeText)) {
    return new InfraError<ProxmoxErrorCode>(
      'TLS_VERIFY_FAILED',
      `${request.method} ${request.path}: the certificate of ${endpoint} is not trusted (${codeText})`,
      {
        hint: 'Proxmox uses a self-signed certificate by default: pin its SHA-256 fingerprint (proxmox.tls.fingerprint) or give its CA file (proxmox.tls.caFile)',
        cause: error,
      },
    );
  }
  const timedOut =
    (error as { name?: string } | null)?.name === 'TimeoutError' ||
    (cause as { name?: string } | null)?.name === 'TimeoutError';
  const sent = !(codeText && NOT_SENT_CODES.has(codeText));
  return new PveTransportError(
    request,
    timedOut ? 'timed out waiting for the reply' : `${message}${codeText ? ` (${codeText})` : ''}`,
    {
      sent,
      ...(codeText ? { code: codeText } : {}),
      cause: error,
      endpoint,
    },
  );
}
