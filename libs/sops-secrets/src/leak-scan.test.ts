import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignedBase64, encodedForms, formatLeakHits, scanPaths, scanText } from './leak-scan';

const token = { label: 'proxmox.tokenSecret', value: '7a1f3c9e-2b4d-4e6f-8a0b-1c2d3e4f5a6b' };
const password = { label: 'admin.password', value: 'p@ss word/with+specials&=' };
const needles = [token, password];

describe('scanText', () => {
  it('finds a value verbatim with its line and column', () => {
    const hits = scanText(`first line\n  token ${token.value} end\n`, needles, 'out.log');
    expect(hits).toEqual([{ label: token.label, encoding: 'raw', source: 'out.log', line: 2, column: 9 }]);
  });

  it('finds URL-encoded, form-encoded and JSON-escaped forms', () => {
    const url = `GET /api2/json/x?pw=${encodeURIComponent(password.value)}`;
    const form = `body: ${new URLSearchParams({ pw: password.value }).toString()}`;
    const json = JSON.stringify({ note: `quote"${password.value}` });
    const withBackslash = { label: 'b', value: 'back\\slash"quote' };
    expect(scanText(url, needles).map((h) => h.encoding)).toEqual(['url']);
    expect(scanText(form, needles).map((h) => h.encoding)).toEqual(['form']);
    expect(scanText(json, needles).map((h) => h.encoding)).toEqual(['raw']);
    expect(
      scanText(JSON.stringify({ v: withBackslash.value }), [withBackslash]).map((h) => h.encoding),
    ).toEqual(['json']);
  });

  it('finds base64 forms embedded at any byte alignment in a larger blob', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', 'user:']) {
      const blob = Buffer.from(`${prefix}${token.value}!trailing`).toString('base64');
      const hits = scanText(`Authorization: Basic ${blob}`, [token]);
      expect(
        hits.map((h) => h.encoding),
        `prefix "${prefix}"`,
      ).toEqual(['base64']);
    }
    // '>>>' and '???' encode to '+' and '/' in standard base64, '-' and '_' in base64url.
    const symbols = { label: 'symbols', value: 'key>>>???~~~end' };
    const urlSafe = Buffer.from(`xx${symbols.value}`).toString('base64url');
    expect(urlSafe).toMatch(/[-_]/);
    expect(scanText(urlSafe, [symbols]).map((h) => h.encoding)).toEqual(['base64url']);
  });

  it('finds hex forms in either case', () => {
    const hex = Buffer.from(token.value).toString('hex');
    expect(scanText(`dump ${hex}`, [token]).map((h) => h.encoding)).toEqual(['hex']);
    expect(scanText(`dump ${hex.toUpperCase()}`, [token]).map((h) => h.encoding)).toEqual(['HEX']);
  });

  it('reports nothing for text without the values, and ignores values too short to scan for', () => {
    expect(scanText('token ***redacted*** and 7a1f3c9e-XXXX', needles)).toEqual([]);
    expect(scanText('abc abc abc', [{ label: 'short', value: 'abc' }])).toEqual([]);
  });

  it('never prints the value in formatted hits', () => {
    const lines = formatLeakHits(scanText(token.value, [token], 'f'));
    expect(lines).toEqual(['f:1:1: proxmox.tokenSecret (raw)']);
    expect(lines.join('')).not.toContain(token.value);
  });
});

describe('alignedBase64', () => {
  it('keeps only characters fully determined by the value', () => {
    const raw = Buffer.from('secret-value');
    for (const offset of [0, 1, 2]) {
      const needle = alignedBase64(raw, offset, 'base64');
      for (const prefix of [Buffer.alloc(offset, 0x41), Buffer.alloc(offset, 0xff)]) {
        for (const suffix of ['', 'x', 'yz']) {
          const encoded = Buffer.concat([Buffer.alloc(3 * 2), prefix, raw, Buffer.from(suffix)]).toString(
            'base64',
          );
          expect(encoded).toContain(needle);
        }
      }
    }
    expect(encodedForms('secret-value').map((f) => f.encoding)).toContain('base64');
  });
});

describe('scanPaths', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leak-scan-'));
    await mkdir(join(dir, '.nx', 'cache', 'abc123'), { recursive: true });
    await writeFile(
      join(dir, '.nx', 'cache', 'abc123', 'terminalOutput'),
      `› building\nPVEAPIToken=root@pam!infra=${token.value}\n`,
    );
    await writeFile(
      join(dir, '.nx', 'workspace-data.bin'),
      Buffer.concat([Buffer.from([0, 1, 2, 0xff]), Buffer.from(password.value), Buffer.from([0])]),
    );
    await mkdir(join(dir, 'dist'));
    await writeFile(join(dir, 'dist', 'clean.json'), '{"token":"***"}');
    await writeFile(join(dir, 'dist', 'archive.gz'), gzipSync(token.value));
    await symlink('/etc', join(dir, 'dist', 'etc-link'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('walks directories, scans text and binary files, and reports what is missing', async () => {
    const result = await scanPaths([join(dir, '.nx'), join(dir, 'dist'), join(dir, 'no-such-dir')], needles);
    expect(result.hits.map((h) => [h.source.slice(dir.length + 1), h.label, h.line])).toEqual([
      ['.nx/cache/abc123/terminalOutput', token.label, 2],
      ['.nx/workspace-data.bin', password.label, 1],
    ]);
    expect(result.filesScanned).toBe(4);
    expect(result.missing).toEqual([join(dir, 'no-such-dir')]);
  });
});
