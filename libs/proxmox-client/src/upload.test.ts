import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_CHUNK_BYTES } from './multipart';
import { contractViolations, type SimHarness, startHarness } from './testing/sim-harness';

let harness: SimHarness;
let dir: string;
let isoPath: string;
const iso = randomBytes(3 * 1024 * 1024 + 123);
const sha256 = createHash('sha256').update(iso).digest('hex');
const other = 'a'.repeat(64);
const FP_WRONG = Array.from({ length: 32 }, () => 'AB').join(':');

const isoVolids = async () =>
  (await harness.client().storageContent('pve', 'local', { content: 'iso' })).map((v) => v.volid);
const tmpFiles = () => readdir(join(harness.stateDir, 'tmp')).catch(() => [] as string[]);

beforeAll(async () => {
  harness = await startHarness();
  dir = await mkdtemp(join(tmpdir(), 'pve-upload-test-'));
  isoPath = join(dir, 'local.iso');
  await writeFile(isoPath, iso);
});
afterAll(async () => {
  await harness?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('uploadFile (multipart, streamed) against the simulator', () => {
  it('streams the file in bounded chunks, and Proxmox stores exactly those bytes after checking the checksum', async () => {
    const chunks: number[] = [];
    const client = harness.client();
    const outcome = await client.uploadFile(
      'pve',
      'local',
      { content: 'iso', filename: 'win-local.iso', checksum: sha256, 'checksum-algorithm': 'sha256' },
      { path: isoPath, size: iso.length, onChunk: (n) => chunks.push(n) },
    );
    expect(outcome).toMatchObject({ exitstatus: 'OK', type: 'imgcopy', volid: 'local:iso/win-local.iso' });
    // Never the whole file at once: many reads, none larger than the chunk size, adding up to the file.
    expect(chunks.length).toBeGreaterThanOrEqual(Math.floor(iso.length / UPLOAD_CHUNK_BYTES));
    expect(Math.max(...chunks)).toBeLessThanOrEqual(UPLOAD_CHUNK_BYTES);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(iso.length);
    const stored = await readFile(join(harness.stateDir, 'storage/local/template/iso/win-local.iso'));
    expect(stored.equals(iso)).toBe(true);
    expect(await isoVolids()).toContain('local:iso/win-local.iso');
    expect(contractViolations(harness.requests)).toEqual([]);
  });

  it('reads the file only as fast as the server takes it (backpressure: never far ahead, never whole)', async () => {
    const big = join(dir, 'big.iso');
    const size = 32 * 1024 * 1024;
    await writeFile(big, randomBytes(size));
    const tmp = join(harness.stateDir, 'tmp');
    let ahead = 0;
    let sent = 0;
    await harness.client().uploadFile(
      'pve',
      'local',
      { content: 'iso', filename: 'big.iso' },
      {
        path: big,
        size,
        onChunk: (n) => {
          sent += n;
          const names = readdirSync(tmp);
          const received = names.length === 1 ? statSync(join(tmp, names[0]!)).size : 0;
          ahead = Math.max(ahead, sent - received);
        },
      },
    );
    // What the client has read but the server has not yet written is all that can be in memory in between.
    // Bounded by socket and stream buffers (~4 MiB measured here), far below the file: it is never held whole.
    expect(ahead).toBeLessThan(size / 2);
  });

  it('fails with the task error on a checksum mismatch and leaves no volume', async () => {
    const error = await harness
      .client()
      .uploadFile(
        'pve',
        'local',
        { content: 'iso', filename: 'mismatch.iso', checksum: other, 'checksum-algorithm': 'sha256' },
        { path: isoPath, size: iso.length },
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PVE_TASK_FAILED' });
    expect(String((error as Error).message)).toContain(
      `checksum mismatch: got '${sha256}' != expect '${other}'`,
    );
    expect(await isoVolids()).not.toContain('local:iso/mismatch.iso');
    expect(await tmpFiles()).toEqual([]);
  });

  it('honours the TLS pin: a wrong fingerprint sends nothing', async () => {
    const error = await harness
      .client({ tls: { fingerprint: FP_WRONG } })
      .uploadFile(
        'pve',
        'local',
        { content: 'iso', filename: 'pinned.iso' },
        { path: isoPath, size: iso.length },
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TLS_FINGERPRINT_MISMATCH' });
    expect(await isoVolids()).not.toContain('local:iso/pinned.iso');
  });

  it('honours a CA file instead of a pin', async () => {
    const caFile = join(dir, 'pve-root-ca.pem');
    await writeFile(caFile, harness.sim.caPem);
    const outcome = await harness
      .client({ tls: { caFile } })
      .uploadFile(
        'pve',
        'local',
        { content: 'iso', filename: 'via-ca.iso' },
        { path: isoPath, size: iso.length },
      );
    expect(outcome).toMatchObject({ exitstatus: 'OK', volid: 'local:iso/via-ca.iso' });
  });

  it('an upload aborted mid-stream leaves neither a volume nor a temp file on the server', async () => {
    const abort = new AbortController();
    let sent = 0;
    const error = await harness
      .client()
      .uploadFile(
        'pve',
        'local',
        { content: 'iso', filename: 'aborted.iso' },
        {
          path: isoPath,
          size: iso.length,
          onChunk: (n) => {
            sent += n;
            if (sent > iso.length / 2) abort.abort(new Error('interrupted by the test'));
          },
        },
        { signal: abort.signal },
      )
      .catch((e: unknown) => e);
    expect(String((error as Error).message)).toContain('interrupted by the test');
    for (let i = 0; i < 50 && (await tmpFiles()).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await tmpFiles()).toEqual([]);
    expect(await isoVolids()).not.toContain('local:iso/aborted.iso');
  });
});
