import { crc32 } from 'node:zlib';

/**
 * A valid .xz file that stores its data without compression (LZMA2 "uncompressed" chunks, no integrity check).
 * Enough for the simulator to serve `*.raw.xz` files that real tools (xz, Python's lzma) decompress.
 */
const CHUNK = 0x10000;

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

function vli(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);

export function xzStore(data: Uint8Array): Buffer {
  const streamFlags = Buffer.from([0x00, 0x00]); // check type: none
  const header = Buffer.concat([
    Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]),
    streamFlags,
    u32le(crc32(streamFlags)),
  ]);

  // Block header: size, flags (one filter, no sizes), LZMA2 filter id 0x21 with a 1-byte dictionary property.
  const blockBody = Buffer.from([0x02, 0x00, 0x21, 0x01, 0x16, 0x00, 0x00, 0x00]);
  const blockHeader = Buffer.concat([blockBody, u32le(crc32(blockBody))]);

  const chunks: Buffer[] = [];
  for (let offset = 0, first = true; offset < data.length; offset += CHUNK, first = false) {
    const part = data.subarray(offset, Math.min(offset + CHUNK, data.length));
    const size = Buffer.alloc(2);
    size.writeUInt16BE(part.length - 1);
    chunks.push(Buffer.from([first ? 0x01 : 0x02]), size, Buffer.from(part));
  }
  chunks.push(Buffer.from([0x00]));
  const compressed = Buffer.concat(chunks);
  const block = Buffer.concat([blockHeader, compressed, pad4(compressed.length)]);

  const unpaddedSize = blockHeader.length + compressed.length;
  const indexBody = Buffer.concat([Buffer.from([0x00]), vli(1), vli(unpaddedSize), vli(data.length)]);
  const indexPadded = Buffer.concat([indexBody, pad4(indexBody.length)]);
  const index = Buffer.concat([indexPadded, u32le(crc32(indexPadded))]);

  const backward = Buffer.concat([u32le(index.length / 4 - 1), streamFlags]);
  const footer = Buffer.concat([u32le(crc32(backward)), backward, Buffer.from([0x59, 0x5a])]);
  return Buffer.concat([header, block, index, footer]);
}
