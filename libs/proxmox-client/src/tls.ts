import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { InfraError } from '@infra/core';
import { buildConnector } from 'undici';
import type { ProxmoxErrorCode } from './errors';

/**
 * TLS policy for the Proxmox endpoint: verify against the system CAs (default), against a CA file (PVE's
 * /etc/pve/pve-root-ca.pem), or pin the SHA-256 fingerprint of the server certificate (what the PVE UI shows
 * and GET /nodes returns as ssl_fingerprint). `insecure` turns verification off and says so loudly.
 */
export interface TlsOptions {
  fingerprint?: string | undefined;
  caFile?: string | undefined;
  /** PEM text, as an alternative to caFile. */
  ca?: string | undefined;
  insecure?: boolean | undefined;
}

export interface TlsPolicy {
  mode: 'system' | 'ca' | 'fingerprint' | 'insecure';
  ca?: string;
  /** Normalised `AA:BB:…` (32 bytes). */
  fingerprint?: string;
}

export class TlsFingerprintMismatchError extends InfraError<ProxmoxErrorCode> {
  readonly expected: string;
  readonly actual: string;

  constructor(
    endpoint: string,
    expected: string,
    actual: string,
    request?: { method: string; path: string },
  ) {
    super(
      'TLS_FINGERPRINT_MISMATCH',
      `${request ? `${request.method} ${request.path}: ` : ''}the certificate of ${endpoint} does not match the pinned fingerprint: expected ${expected}, got ${actual}`,
      {
        hint: 'if the certificate was renewed on purpose, update proxmox.tls.fingerprint (PVE UI: node > System > Certificates); otherwise do not connect',
        details: { expected, actual },
      },
    );
    this.name = 'TlsFingerprintMismatchError';
    this.endpoint = endpoint;
    this.expected = expected;
    this.actual = actual;
  }

  readonly endpoint: string;

  /** The same error, naming the request it stopped. */
  forRequest(request: { method: string; path: string }): TlsFingerprintMismatchError {
    return new TlsFingerprintMismatchError(this.endpoint, this.expected, this.actual, request);
  }
}

/** Accepts `AA:BB:…`, `aabb…` or `sha256/AA:…`; returns uppercase colon-separated hex. */
export function normalizeFingerprint(value: string): string {
  const hex = value
    .trim()
    .replace(/^sha256[:/]/i, '')
    .replace(/[:\s]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new InfraError<ProxmoxErrorCode>(
      'TLS_FINGERPRINT_INVALID',
      `"${value}" is not a SHA-256 certificate fingerprint`,
      {
        hint: 'use 32 hex bytes, e.g. AB:CD:…  (openssl x509 -in pve-ssl.pem -noout -fingerprint -sha256)',
      },
    );
  }
  return hex.match(/../g)!.join(':');
}

export function fingerprintMatches(expected: string, actual: string | undefined): boolean {
  if (!actual) return false;
  return normalizeFingerprint(expected) === normalizeFingerprint(actual);
}

/** Decides the policy from options (pure apart from reading the CA file). */
export function resolveTlsPolicy(
  options: TlsOptions = {},
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): TlsPolicy {
  const chosen = [
    options.fingerprint,
    options.caFile ?? options.ca,
    options.insecure ? true : undefined,
  ].filter((v) => v !== undefined);
  if (chosen.length > 1) {
    throw new InfraError<ProxmoxErrorCode>(
      'TLS_OPTIONS_CONFLICT',
      'proxmox.tls: choose one of fingerprint, caFile or insecure',
      {
        hint: 'pin the fingerprint of PVE’s self-signed certificate, or give its CA file; insecure is for throwaway labs only',
      },
    );
  }
  if (options.insecure) return { mode: 'insecure' };
  if (options.fingerprint)
    return { mode: 'fingerprint', fingerprint: normalizeFingerprint(options.fingerprint) };
  if (options.ca) return { mode: 'ca', ca: options.ca };
  if (options.caFile) {
    let ca: string;
    try {
      ca = readFile(options.caFile);
    } catch (cause) {
      throw new InfraError<ProxmoxErrorCode>(
        'TLS_CA_FILE_UNREADABLE',
        `cannot read the CA file ${options.caFile}`,
        {
          hint: 'copy /etc/pve/pve-root-ca.pem from the Proxmox host and point proxmox.tls.caFile at it',
          cause,
        },
      );
    }
    return { mode: 'ca', ca };
  }
  return { mode: 'system' };
}

type ConnectFn = buildConnector.connector;

/**
 * An undici `connect` function for the policy. With a pinned fingerprint, chain validation is off (PVE's
 * certificate is self-signed) and the leaf certificate's SHA-256 must match exactly; the check runs once per
 * TLS connection, after the handshake, before any request bytes are written.
 */
export function createConnector(policy: TlsPolicy, endpoint: string, timeoutMs: number): ConnectFn {
  const base = buildConnector({
    rejectUnauthorized: policy.mode === 'system' || policy.mode === 'ca',
    ...(policy.ca ? { ca: policy.ca } : {}),
    timeout: timeoutMs,
    // A resumed TLS session carries no peer certificate to check, so pinning needs full handshakes.
    ...(policy.mode === 'fingerprint' ? { maxCachedSessions: 0 } : {}),
  });
  if (policy.mode !== 'fingerprint') return base;
  const expected = policy.fingerprint!;
  return (options, callback) => {
    base(options, (error, socket) => {
      if (error || !socket) {
        callback(error ?? new Error('no socket'), null);
        return;
      }
      const actual = (socket as TLSSocket).getPeerCertificate?.()?.fingerprint256;
      if (!fingerprintMatches(expected, actual)) {
        socket.destroy();
        callback(new TlsFingerprintMismatchError(endpoint, expected, actual ?? '(no certificate)'), null);
        return;
      }
      callback(null, socket);
    });
  };
}
