import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PveApiError } from '../errors';
import { MultipartParser } from './multipart';
import type { Params } from './params';

const MAX_FIELD_BYTES = 64 * 1024;
const SHOWN_TMP_DIR = '/var/tmp';

/** Where the simulator keeps pveproxy's upload temp files (`/var/tmp/pveupload-<hex>` on a real node). */
export function uploadTmpDir(stateDir: string): string {
  return join(stateDir, 'tmp');
}

/** The host file behind a `tmpfilename` parameter, or undefined when the name is not one of ours. */
export function uploadTmpHostPath(stateDir: string, tmpfilename: string): string | undefined {
  const match = /^\/var\/tmp\/(pveupload-[0-9a-f]+)$/.exec(tmpfilename);
  return match ? join(uploadTmpDir(stateDir), match[1]!) : undefined;
}

export interface ReceivedUpload {
  params: Params;
  /** The host path of the temp file holding the file part (removed by the caller on any later failure). */
  hostFile: string | undefined;
}

/** A temp file that remembers its first error: a write still in flight when it is destroyed must not go unheard. */
function tempFile(path: string): { out: WriteStream; failed: () => Error | undefined } {
  const out = createWriteStream(path, { mode: 0o600 });
  let error: Error | undefined;
  out.on('error', (e) => {
    error ??= e;
  });
  return { out, failed: () => error };
}

async function write(file: ReturnType<typeof tempFile>, bytes: Buffer): Promise<void> {
  const failed = file.failed();
  if (failed) throw failed;
  if (!file.out.write(bytes)) await once(file.out, 'drain');
}

/**
 * Receives a multipart upload as pveproxy does: text parts become parameters, the one file part streams into
 * `/var/tmp/pveupload-<hex>` (never held in memory), and `filename`/`tmpfilename` are set from it. A body that
 * breaks off before its closing boundary (client gone, reset) leaves no temp file behind.
 */
export async function receiveUpload(
  req: AsyncIterable<Buffer>,
  boundary: string,
  stateDir: string,
): Promise<ReceivedUpload> {
  const parser = new MultipartParser(boundary);
  const params: Params = {};
  let hostFile: string | undefined;
  let out: ReturnType<typeof tempFile> | undefined;
  let field: { name: string; chunks: Buffer[]; size: number } | undefined;
  let inFile = false;
  try {
    for await (const chunk of req) {
      for (const event of parser.push(chunk)) {
        if (event.kind === 'start') {
          if (event.filename !== undefined) {
            if (hostFile) throw new PveApiError(400, 'multipart: more than one file part');
            await mkdir(uploadTmpDir(stateDir), { recursive: true, mode: 0o700 });
            const name = `pveupload-${randomBytes(16).toString('hex')}`;
            hostFile = join(uploadTmpDir(stateDir), name);
            out = tempFile(hostFile);
            params.filename = event.filename;
            params.tmpfilename = `${SHOWN_TMP_DIR}/${name}`;
            inFile = true;
          } else {
            field = { name: event.name, chunks: [], size: 0 };
          }
        } else if (event.kind === 'data') {
          if (inFile) await write(out!, event.bytes);
          else if (field) {
            field.size += event.bytes.length;
            if (field.size > MAX_FIELD_BYTES) throw new PveApiError(413, 'Request Entity Too Large');
            field.chunks.push(event.bytes);
          }
        } else if (inFile) {
          inFile = false;
        } else if (field) {
          // pveproxy sets these two from the file part itself; a text part cannot override them.
          if (field.name !== 'tmpfilename' && !(field.name === 'filename' && hostFile))
            params[field.name] = Buffer.concat(field.chunks).toString('utf8');
          field = undefined;
        }
      }
    }
    if (!parser.finished) throw new PveApiError(400, 'multipart: the body ended before its closing boundary');
    if (out) {
      out.out.end();
      await once(out.out, 'close');
      const failed = out.failed();
      if (failed) throw failed;
    }
    return { params, hostFile };
  } catch (error) {
    if (out && !out.out.closed) {
      // Wait for the close: an open still in flight would otherwise create the file after the rm below.
      // (Not events.once: it rejects on the 'error' a write in flight raises when destroyed.)
      const stream = out.out;
      const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
      stream.destroy();
      await closed;
    }
    if (hostFile) await rm(hostFile, { force: true });
    throw error;
  }
}
