import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The local file of an upload: where it is, the name Proxmox stores it under, and its size in bytes. */
export interface UploadFile {
  path: string;
  filename: string;
  size: number;
  /** Told the byte count of every chunk as it is read for the wire (progress, and the streaming test). */
  onChunk?: (bytes: number) => void;
}

/** Read size per chunk: a multi-GB ISO passes through in pieces of this size, never held whole. */
export const UPLOAD_CHUNK_BYTES = 64 * 1024;

export interface MultipartBody {
  contentType: string;
  /** Exact byte length (pveproxy wants a Content-Length, not a chunked upload). */
  length: number;
  /** The body: text parts, then the file part streamed from disk, then the closing boundary. */
  stream(signal?: AbortSignal): AsyncGenerator<Uint8Array>;
}

const quote = (value: string) => value.replace(/["\r\n\\]/g, '_');

/**
 * A multipart/form-data body as the PVE web UI sends an upload: one text part per field, then the file part
 * named `filename` whose `filename=` attribute pveproxy takes as the file name. Pure apart from the file read.
 */
export function multipartBody(fields: Readonly<Record<string, string>>, file: UploadFile): MultipartBody {
  const boundary = `----infra-upload-${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    Object.entries(fields)
      .map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`,
      )
      .join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="filename"; filename="${quote(file.filename)}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + file.size + tail.length,
    async *stream(signal) {
      yield head;
      let sent = 0;
      const reader = createReadStream(file.path, {
        highWaterMark: UPLOAD_CHUNK_BYTES,
        ...(signal ? { signal } : {}),
      });
      for await (const chunk of reader) {
        const bytes = chunk as Buffer;
        sent += bytes.length;
        // A file that grows or shrinks while it is sent would break the declared length; stop instead.
        if (sent > file.size) throw new Error(`${file.path} changed size while it was being uploaded`);
        file.onChunk?.(bytes.length);
        yield bytes;
      }
      if (sent !== file.size) throw new Error(`${file.path} changed size while it was being uploaded`);
      yield tail;
    },
  };
}
