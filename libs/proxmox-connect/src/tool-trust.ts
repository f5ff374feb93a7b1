import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { InfraError } from '@infra/core';
import type { ConnectErrorCode } from './error-codes';

/**
 * TLS trust for the Go tools (tofu's bpg provider, Packer's Proxmox plugin). They know nothing of a pinned
 * fingerprint, and without trust the only way through would be `insecure`. So the pin is checked here, in
 * TypeScript, against the certificate the endpoint presents; then that very certificate goes into a trust
 * file the tools read through `SSL_CERT_FILE` (Go's crypto/x509 honours it on Linux, and a certificate in the
 * root pool verifies itself). Host name checks stay on in the tool.
 */
export interface ToolTrust {
  /** Variables to add to the tool's environment (`SSL_CERT_FILE`), empty for system trust. */
  env: Readonly<Record<string, string>>;
  /** True only when the environment says `proxmox.tls.insecure: true`; the caller passes it on visibly. */
  insecure: boolean;
  /** Removes the temporary trust file (idempotent). */
  dispose(): Promise<void>;
}

export interface TlsSettings {
  fingerprint?: string | undefined;
  caFile?: string | undefined;
  insecure?: boolean | undefined;
}

const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The certificate the endpoint presents (chain not validated: that is what the pin is for). */
export async function presentedCertificate(endpoint: string, signal?: AbortSignal): Promise<X509Certificate> {
  const url = new URL(endpoint);
  const port = Number(url.port || 8006);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return await new Promise<X509Certificate>((resolve, reject) => {
    const socket: TLSSocket = connect({
      host,
      port,
      rejectUnauthorized: false,
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
    });
    const fail = (error: unknown) => {
      socket.destroy();
      reject(
        new InfraError<ConnectErrorCode>(
          'TLS_ENDPOINT_UNREACHABLE',
          `cannot read the TLS certificate of ${endpoint}`,
          {
            hint: 'check proxmox.endpoint in infra.config.yaml and that the host answers on that port',
            cause: error,
          },
        ),
      );
    };
    const timer = setTimeout(() => fail(new Error('TLS handshake timed out')), HANDSHAKE_TIMEOUT_MS);
    const onAbort = () => fail(signal?.reason ?? new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      if (!raw) return fail(new Error('the server presented no certificate'));
      resolve(new X509Certificate(raw));
    });
  });
}

/**
 * Trust for a tool that talks to `endpoint`: the CA file as is, the pinned certificate in a 0600 temp file
 * (after checking the pin), or nothing for system trust. Always `dispose()` it (in a finally).
 */
export async function toolTrust(
  endpoint: string,
  tls: TlsSettings,
  options: { signal?: AbortSignal; tmpRoot?: string } = {},
): Promise<ToolTrust> {
  if (tls.insecure) return { env: {}, insecure: true, dispose: async () => {} };
  if (tls.caFile) return { env: { SSL_CERT_FILE: tls.caFile }, insecure: false, dispose: async () => {} };
  if (!tls.fingerprint) return { env: {}, insecure: false, dispose: async () => {} };
  // Loaded on demand, like the client itself (see connect.ts).
  const { fingerprintMatches, normalizeFingerprint, TlsFingerprintMismatchError } = await import(
    '@infra/proxmox-client'
  );
  const expected = normalizeFingerprint(tls.fingerprint);
  const certificate = await presentedCertificate(endpoint, options.signal);
  if (!fingerprintMatches(expected, certificate.fingerprint256))
    throw new TlsFingerprintMismatchError(endpoint, expected, certificate.fingerprint256);
  const dir = await mkdtemp(join(options.tmpRoot ?? tmpdir(), 'infra-trust-'));
  let removed = false;
  const dispose = async () => {
    if (removed) return;
    removed = true;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await chmod(dir, 0o700);
    const file = join(dir, 'proxmox.pem');
    await writeFile(file, certificate.toString(), { mode: 0o600 });
    return { env: { SSL_CERT_FILE: file }, insecure: false, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
