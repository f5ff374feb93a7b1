import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { isIP } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { dieError } from '../errors';

const MAX_REDIRECTS = 5;

/**
 * Sandbox rule: the simulator fetches only from loopback (the test servers and the embedded Image Factory
 * run there). Anything else is refused — a test must never reach the internet through the simulator.
 */
export function assertLoopbackUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw dieError(`invalid URL '${raw}'`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
  if (!loopback || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw dieError(
      `pve-sim refuses to download '${url.host}': the simulator only fetches from loopback (127.0.0.0/8, ::1, localhost) - sandbox rule, not a Proxmox limitation`,
    );
  }
  return url;
}

function request(url: URL, verifyCertificates: boolean, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const options = { signal, headers: { 'User-Agent': 'pve-sim (libwww-perl compatible)' } };
    const req =
      url.protocol === 'https:'
        ? httpsGet(url, { ...options, rejectUnauthorized: verifyCertificates }, resolve)
        : httpGet(url, options, resolve);
    req.on('error', reject);
  });
}

async function open(url: URL, verifyCertificates: boolean, signal: AbortSignal): Promise<IncomingMessage> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await request(current, verifyCertificates, signal);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      current = assertLoopbackUrl(new URL(res.headers.location, current).toString());
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new Error(`download failed: ${status} ${res.statusMessage ?? ''}`.trim());
    }
    return res;
  }
  throw new Error('download failed: too many redirects');
}

function tap(hash: Hash | null, onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash?.update(chunk);
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

/**
 * Streams `url` into `dest`, hashing the downloaded bytes (before decompression, as PVE checks the checksum
 * of what it fetched) and optionally decompressing gzip/zstd (ISO content only).
 */
export async function downloadToFile(
  url: URL,
  dest: string,
  options: { verifyCertificates: boolean; algorithm?: string; decompress?: string; signal: AbortSignal },
): Promise<{ bytes: number; digest?: string }> {
  const res = await open(url, options.verifyCertificates, options.signal);
  const hash = options.algorithm ? createHash(options.algorithm) : null;
  let bytes = 0;
  const stages: NodeJS.ReadWriteStream[] = [tap(hash, (n) => (bytes += n))];
  if (options.decompress === 'gz') stages.push(createGunzip());
  else if (options.decompress === 'zst') stages.push(createZstdDecompress());
  else if (options.decompress)
    throw new Error(`decompression of '${options.decompress}' is not available in pve-sim`);
  await pipeline([res, ...stages, createWriteStream(dest, { mode: 0o644 })], { signal: options.signal });
  return { bytes, ...(hash ? { digest: hash.digest('hex') } : {}) };
}
