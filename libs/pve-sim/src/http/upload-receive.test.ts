import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { receiveUpload, uploadTmpDir } from './upload-receive';

const BOUNDARY = 'r4ceb0undary';
const HEAD = Buffer.from(
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="content"\r\n\r\niso\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="filename"; filename="a.iso"\r\n\r\n`,
);
// Larger than the parser's hold-back (one delimiter), smaller than the write stream's highWaterMark: each
// chunk reaches the temp file in one write() that returns true, so the loop moves on while the write is
// still in the thread pool.
const CHUNK = Buffer.alloc(4096, 0x5a);

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'pve-sim-upload-receive-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

async function tempFiles(): Promise<string[]> {
  return readdir(uploadTmpDir(stateDir)).catch(() => []);
}

/** Waits until the temp file is open and holds `bytes` bytes (its first writes are done). */
async function untilWritten(bytes: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const [name] = await tempFiles();
    if (name && (await stat(join(uploadTmpDir(stateDir), name))).size >= bytes) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`the temp file never reached ${bytes} bytes`);
}

describe('receiveUpload when the client breaks off', () => {
  it('has no unhandled ERR_STREAM_DESTROYED when the body breaks off while a write is in flight', async () => {
    const reset = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.concat([HEAD, CHUNK]);
      // The temp file is open and idle: the next chunk goes straight to fs.write ...
      await untilWritten(CHUNK.length - 64);
      yield CHUNK;
      // ... and the body breaks off in the same turn, before that write can complete. The receiver destroys
      // the temp file with the write pending, and Node answers the write with ERR_STREAM_DESTROYED, emitted
      // as an 'error' on the stream: without a listener that is an uncaught exception (vitest fails the run).
      throw reset;
    }
    const error = await receiveUpload(body(), BOUNDARY, stateDir).catch((e: unknown) => e);
    expect(error).toBe(reset);
    // Cleanup waited for the close, so the temp file is gone by the time the receiver gives up.
    expect(await tempFiles()).toEqual([]);
    // Give a late stream 'error' (the fs.write callback) a chance to surface before the test ends.
    await new Promise((r) => setTimeout(r, 50));
    expect(await tempFiles()).toEqual([]);
  });

  it('keeps a complete file part in a 0600 temp file', async () => {
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.concat([HEAD, CHUNK]);
      yield CHUNK;
      yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    }
    const { params, hostFile } = await receiveUpload(body(), BOUNDARY, stateDir);
    expect(params).toMatchObject({ content: 'iso', filename: 'a.iso' });
    const info = await stat(hostFile!);
    expect(info.size).toBe(2 * CHUNK.length);
    expect(info.mode & 0o777).toBe(0o600);
  });
});
