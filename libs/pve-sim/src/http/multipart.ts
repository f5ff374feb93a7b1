import { PveApiError } from '../errors';

/** One event of a multipart/form-data body, in order: a part starts, its bytes arrive, it ends. */
export type MultipartEvent =
  | { kind: 'start'; name: string; filename: string | undefined }
  | { kind: 'data'; bytes: Buffer }
  | { kind: 'end' };

const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** The boundary of a `multipart/form-data; boundary=…` content type, or undefined for any other type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || boundary.length > 70) throw new PveApiError(400, 'multipart: missing or invalid boundary');
  return boundary;
}

function parseDisposition(headerBlock: string): { name: string; filename: string | undefined } {
  const line = headerBlock.split('\r\n').find((l) => /^content-disposition:/i.test(l));
  if (!line) throw new PveApiError(400, 'multipart: a part has no Content-Disposition');
  const name = /;\s*name="([^"]*)"/i.exec(line)?.[1];
  if (name === undefined) throw new PveApiError(400, 'multipart: a part has no name');
  const filename = /;\s*filename="([^"]*)"/i.exec(line)?.[1];
  return { name, filename };
}

/**
 * A streaming multipart/form-data parser (pure: bytes in, events out). It holds back at most one delimiter's
 * length of a part's bytes, so a multi-GB file part passes through in the chunks it arrived in.
 */
export class MultipartParser {
  private readonly delimiter: Buffer;
  // The body starts with "--boundary" (no CRLF before it); a virtual CRLF lets one delimiter match all.
  private buf: Buffer = Buffer.from(CRLF);
  private state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done' = 'preamble';

  constructor(boundary: string) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  get finished(): boolean {
    return this.state === 'done';
  }

  push(chunk: Buffer): MultipartEvent[] {
    const events: MultipartEvent[] = [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.state === 'done') {
        this.buf = Buffer.alloc(0);
        return events;
      }
      if (this.state === 'preamble' || this.state === 'body') {
        const at = this.buf.indexOf(this.delimiter);
        if (at < 0) {
          const keep = Math.min(this.buf.length, this.delimiter.length - 1);
          const flush = this.buf.length - keep;
          if (this.state === 'body' && flush > 0)
            events.push({ kind: 'data', bytes: this.buf.subarray(0, flush) });
          this.buf = this.buf.subarray(flush);
          return events;
        }
        if (this.state === 'body') {
          if (at > 0) events.push({ kind: 'data', bytes: this.buf.subarray(0, at) });
          events.push({ kind: 'end' });
        }
        this.buf = this.buf.subarray(at + this.delimiter.length);
        this.state = 'after-delimiter';
        continue;
      }
      if (this.state === 'after-delimiter') {
        if (this.buf.length < 2) return events;
        const next = this.buf.subarray(0, 2).toString('latin1');
        if (next === '--') this.state = 'done';
        else if (next === '\r\n') this.state = 'headers';
        else throw new PveApiError(400, 'multipart: malformed boundary line');
        this.buf = this.buf.subarray(2);
        continue;
      }
      const end = this.buf.indexOf(HEADER_END);
      if (end < 0) {
        if (this.buf.length > MAX_HEADER_BYTES)
          throw new PveApiError(400, 'multipart: part headers too large');
        return events;
      }
      events.push({ kind: 'start', ...parseDisposition(this.buf.subarray(0, end).toString('utf8')) });
      this.buf = this.buf.subarray(end + HEADER_END.length);
      this.state = 'body';
    }
  }
}
