import { randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CoreErrorCode, InfraError, isInfraError, runProcess } from '@infra/core';
import type { PveSimErrorCode } from './error-codes';

export interface TlsMaterial {
  /** The server (leaf) certificate, PEM. */
  certPem: string;
  keyPem: string;
  /** The self-signed cluster CA that signed it (PVE's pve-root-ca.pem), for clients that pin a CA file. */
  caPem: string;
  /** SHA-256 of the leaf certificate, colon-separated uppercase hex, as PVE's UI and `GET /nodes` show it. */
  fingerprint: string;
}

const FILES = {
  ca: 'pve-root-ca.pem',
  caKey: 'pve-root-ca.key',
  cert: 'pve-ssl.pem',
  key: 'pve-ssl.key',
} as const;

/**
 * Loads the simulator's certificates from `<stateDir>/tls/`, creating them on first start like a PVE install
 * does: a self-signed cluster CA and a node certificate it signs (SAN localhost, 127.0.0.1, ::1 and the node
 * name). Uses the `openssl` CLI; ECDSA P-256 instead of PVE's RSA 2048 keeps test start-up fast and changes
 * nothing for fingerprint pinning or CA validation.
 */
export async function ensureTls(stateDir: string, nodeName: string): Promise<TlsMaterial> {
  const dir = join(stateDir, 'tls');
  const existing = await load(dir).catch(() => null);
  if (existing) return existing;
  const tmp = await mkdtemp(join(stateDir, '.tls-'));
  try {
    await generate(tmp, nodeName);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return load(dir);
}

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

async function load(dir: string): Promise<TlsMaterial> {
  const [caPem, certPem, keyPem] = await Promise.all([
    readFile(join(dir, FILES.ca), 'utf8'),
    readFile(join(dir, FILES.cert), 'utf8'),
    readFile(join(dir, FILES.key), 'utf8'),
  ]);
  return { caPem, certPem, keyPem, fingerprint: fingerprintOf(certPem) };
}

/** openssl through the core runner (minimal environment, stdin closed); a failure names the subcommand. */
async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await runProcess('openssl', args, { cwd }).catch((error: unknown) => {
    if (!isInfraError<CoreErrorCode>(error, 'TOOL_MISSING')) throw error;
    throw new InfraError<PveSimErrorCode>(
      'SIM_OPENSSL_MISSING',
      'the `openssl` command is needed to create the simulator certificate and was not found on PATH',
      {
        hint: 'install it (Debian/Ubuntu: apt-get install openssl; macOS: it ships with the system)',
        cause: error,
      },
    );
  });
  if (result.exitCode !== 0) {
    throw new InfraError<PveSimErrorCode>(
      'SIM_TLS_FAILED',
      `openssl ${args[0]} failed: ${result.stderr.trim().split('\n')[0] || `exit code ${result.exitCode}`}`,
      {
        hint: 'check that `openssl version` works (OpenSSL 1.1.1 or newer)',
      },
    );
  }
}

async function generate(dir: string, nodeName: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ou = randomBytes(16).toString('hex');
  await openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      FILES.caKey,
      '-out',
      FILES.ca,
      '-days',
      '3650',
      '-sha256',
      '-subj',
      `/CN=Proxmox Virtual Environment/OU=${ou}/O=PVE Cluster Manager CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  await openssl(
    [
      'req',
      ...ec,
      '-keyout',
      FILES.key,
      '-out',
      'pve-ssl.csr',
      '-subj',
      `/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=${nodeName}.sim`,
    ],
    dir,
  );
  await writeFile(
    join(dir, 'ext.cnf'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=DNS:localhost,DNS:${nodeName},IP:127.0.0.1,IP:::1`,
      '',
    ].join('\n'),
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'pve-ssl.csr',
      '-CA',
      FILES.ca,
      '-CAkey',
      FILES.caKey,
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      '825',
      '-sha256',
      '-extfile',
      'ext.cnf',
      '-out',
      FILES.cert,
    ],
    dir,
  );
  await Promise.all([
    rm(join(dir, 'pve-ssl.csr')),
    rm(join(dir, 'ext.cnf')),
    chmod(join(dir, FILES.key), 0o600),
    chmod(join(dir, FILES.caKey), 0o600),
  ]);
}
