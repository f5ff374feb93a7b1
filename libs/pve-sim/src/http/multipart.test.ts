import { describe, expect, it } from 'vitest';
import { type MultipartEvent, MultipartParser, multipartBoundary } from './multipart';

const body = Buffer.from(
  '--b0undary\r\nContent-Disposition: form-data; name="content"\r\n\r\niso\r\n' +
    '--b0undary\r\nContent-Disposition: form-data; name="filename"; filename="a.iso"\r\n\r\n' +
    'line one\r\n--b0undar not yet\r\nend\r\n--b0undary--\r\n',
);

function collect(chunks: Buffer[]) {
  const parser = new MultipartParser('b0undary');
  const events: MultipartEvent[] = chunks.flatMap((c) => parser.push(c));
  const parts: Array<{ name: string; filename?: string; text: string }> = [];
  let dataEvents = 0;
  for (const e of events) {
    if (e.kind === 'start')
      parts.push({ name: e.name, ...(e.filename ? { filename: e.filename } : {}), text: '' });
    else if (e.kind === 'data') {
      dataEvents++;
      parts.at(-1)!.text += e.bytes.toString('latin1');
    }
  }
  return { parts, finished: parser.finished, dataEvents };
}

describe('MultipartParser', () => {
  it('yields the same parts however the body is split, including inside the delimiter', () => {
    const expected = [
      { name: 'content', text: 'iso' },
      { name: 'filename', filename: 'a.iso', text: 'line one\r\n--b0undar not yet\r\nend' },
    ];
    for (let at = 1; at < body.length; at++) {
      const got = collect([body.subarray(0, at), body.subarray(at)]);
      expect(got.parts, `split at ${at}`).toEqual(expected);
      expect(got.finished).toBe(true);
    }
    const byteWise = collect([...body].map((b) => Buffer.from([b])));
    expect(byteWise.parts).toEqual(expected);
    // Streams: one byte in, part bytes out without waiting for the end of the part.
    expect(byteWise.dataEvents).toBeGreaterThan(10);
  });

  it('is not finished when the body breaks off, and refuses a malformed boundary line', () => {
    expect(collect([body.subarray(0, body.length - 20)]).finished).toBe(false);
    const parser = new MultipartParser('b0undary');
    expect(() => parser.push(Buffer.from('--b0undaryXX'))).toThrow(/malformed boundary/);
  });

  it('reads the boundary of a multipart content type only', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc')).toBe('abc');
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe('a b');
    expect(multipartBoundary('application/x-www-form-urlencoded')).toBeUndefined();
    expect(() => multipartBoundary('multipart/form-data')).toThrow(/boundary/);
  });
});
