import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Finds secret values where they must not be: terminal output, Nx cache and workspace data, dist/, temp
 * dirs. A secret rarely leaks verbatim only, so each value is searched in the encodings it takes on the way
 * out: URL/form encoding (query strings, request bodies), JSON string escaping, base64 and base64url (HTTP
 * Basic auth, Kubernetes secrets, tokens embedded in larger blobs, at any of the three byte alignments) and
 * hex. Hits report where and how, never the value.
 */

export interface LeakNeedle {
  /** What the value is ("proxmox.tokenSecret"); printed instead of the value. */
  label: string;
  value: string;
}

export type LeakEncoding = 'raw' | 'url' | 'form' | 'json' | 'base64' | 'base64url' | 'hex' | 'HEX';

export interface LeakHit {
  label: string;
  encoding: LeakEncoding;
  /** The file, or the source name given to scanText. */
  source: string;
  line: number;
  column: number;
}

export interface EncodedForm {
  encoding: LeakEncoding;
  bytes: Buffer;
}

/** Values shorter than this match everywhere by chance; they cannot be scanned for meaningfully. */
export const MIN_NEEDLE_LENGTH = 6;

export function encodedForms(value: string): EncodedForm[] {
  const raw = Buffer.from(value, 'utf8');
  const texts: [LeakEncoding, string][] = [
    ['raw', value],
    ['url', encodeURIComponent(value)],
    ['form', new URLSearchParams({ v: value }).toString().slice(2)],
    ['json', JSON.stringify(value).slice(1, -1)],
    ['hex', raw.toString('hex')],
    ['HEX', raw.toString('hex').toUpperCase()],
  ];
  for (const offset of [0, 1, 2]) {
    texts.push(['base64', alignedBase64(raw, offset, 'base64')]);
    texts.push(['base64url', alignedBase64(raw, offset, 'base64url')]);
  }
  const seen = new Set<string>();
  const forms: EncodedForm[] = [];
  for (const [encoding, text] of texts) {
    // A form identical to an earlier one (e.g. url == raw for plain tokens) would only duplicate hits.
    if (text.length < MIN_NEEDLE_LENGTH || seen.has(text)) continue;
    seen.add(text);
    forms.push({ encoding, bytes: Buffer.from(text, 'utf8') });
  }
  return forms;
}

/**
 * The base64 characters that depend only on the value when it sits `offset` bytes past a 3-byte boundary of
 * a larger encoded blob: characters straddling unknown neighbouring bytes are trimmed.
 */
export function alignedBase64(raw: Buffer, offset: number, encoding: 'base64' | 'base64url'): string {
  const padded = Buffer.concat([Buffer.alloc(offset), raw]);
  const encoded = padded.toString(encoding).replace(/=+$/, '');
  const start = Math.ceil((offset * 8) / 6);
  const end = Math.floor(((offset + raw.length) * 8) / 6);
  return encoded.slice(start, end);
}

interface PreparedNeedle {
  label: string;
  forms: EncodedForm[];
}

function prepare(needles: readonly LeakNeedle[]): PreparedNeedle[] {
  return needles
    .filter((needle) => needle.value.length >= MIN_NEEDLE_LENGTH)
    .map((needle) => ({ label: needle.label, forms: encodedForms(needle.value) }));
}

export function scanBuffer(buffer: Buffer, needles: readonly LeakNeedle[], source: string): LeakHit[] {
  return scanPrepared(buffer, prepare(needles), source);
}

export function scanText(text: string, needles: readonly LeakNeedle[], source = '(text)'): LeakHit[] {
  return scanBuffer(Buffer.from(text, 'utf8'), needles, source);
}

function scanPrepared(buffer: Buffer, needles: readonly PreparedNeedle[], source: string): LeakHit[] {
  const hits: LeakHit[] = [];
  for (const needle of needles) {
    const found = new Set<number>();
    for (const form of needle.forms) {
      for (let at = buffer.indexOf(form.bytes); at !== -1; at = buffer.indexOf(form.bytes, at + 1)) {
        // The raw value inside its own JSON-escaped form is one leak, not two.
        if (found.has(at)) continue;
        found.add(at);
        hits.push({ label: needle.label, encoding: form.encoding, source, ...position(buffer, at) });
      }
    }
  }
  return hits.sort((a, b) => a.source.localeCompare(b.source) || a.line - b.line || a.column - b.column);
}

function position(buffer: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = buffer.indexOf(10); at !== -1 && at < offset; at = buffer.indexOf(10, at + 1)) {
    line++;
    lineStart = at + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

export interface ScanPathsResult {
  hits: LeakHit[];
  filesScanned: number;
  bytesScanned: number;
  /** Paths given that do not exist (e.g. no dist/ yet); not an error, but worth knowing. */
  missing: string[];
}

/**
 * Scans files and directory trees (recursively, symlinks not followed) for the needles. Every file is read
 * as bytes, so binary files and cache blobs are covered too; compressed archives are not looked into.
 */
export async function scanPaths(
  paths: readonly string[],
  needles: readonly LeakNeedle[],
): Promise<ScanPathsResult> {
  const prepared = prepare(needles);
  const result: ScanPathsResult = { hits: [], filesScanned: 0, bytesScanned: 0, missing: [] };
  const visit = async (path: string): Promise<void> => {
    const info = await lstat(path).catch(() => undefined);
    if (!info) {
      result.missing.push(path);
      return;
    }
    if (info.isDirectory()) {
      const entries = await readdir(path).catch(() => []);
      for (const entry of entries.sort()) await visit(join(path, entry));
      return;
    }
    if (!info.isFile()) return;
    const buffer = await readFile(path).catch(() => undefined);
    if (!buffer) return;
    result.filesScanned++;
    result.bytesScanned += buffer.length;
    result.hits.push(...scanPrepared(buffer, prepared, path));
  };
  for (const path of paths) await visit(path);
  return result;
}

/** One line per hit, safe to print: where, which secret, in what encoding. */
export function formatLeakHits(hits: readonly LeakHit[]): string[] {
  return hits.map((hit) => `${hit.source}:${hit.line}:${hit.column}: ${hit.label} (${hit.encoding})`);
}
