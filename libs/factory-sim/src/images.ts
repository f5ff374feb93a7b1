import { createHash } from 'node:crypto';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { ARCHES, PLATFORM_NAMES } from '@infra/talos-factory';
import { xzStore } from './xz';

/**
 * Image paths as the factory parses them (`/image/<id>/<version>/<file>`) and small generated files with the
 * right shape: a valid (empty) qcow2 with a realistic virtual size, real gzip/zstd/xz/tar.gz wrappers. The
 * bytes depend only on (schematic, version, file), so checksums are reproducible across runs.
 */
export type ImageKind = 'kernel' | 'cmdline' | 'initramfs' | 'iso' | 'uki' | 'installer' | 'disk';

export interface ImagePath {
  kind: ImageKind;
  platform?: string | undefined;
  arch: string;
  secureboot: boolean;
  /** disk images: raw | qcow2 | vhd | ova */
  format?: string | undefined;
  /** disk images: xz | gz | zst | tar.gz */
  compression?: string | undefined;
}

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', i386: 'amd64' };
const arch = (a: string) => ARCH_ALIASES[a] ?? a;
const PLATFORM = `(${PLATFORM_NAMES.map((p) => p.replace('-', '\\-')).join('|')})`;
const ARCH = `(${[...ARCHES, ...Object.keys(ARCH_ALIASES)].join('|')})`;

const PATTERNS: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => ImagePath]> = [
  [new RegExp(`^kernel-${ARCH}$`), (m) => ({ kind: 'kernel', arch: arch(m[1] ?? ''), secureboot: false })],
  [
    new RegExp(`^initramfs-${ARCH}\\.xz$`),
    (m) => ({ kind: 'initramfs', arch: arch(m[1] ?? ''), secureboot: false }),
  ],
  [
    new RegExp(`^cmdline-${PLATFORM}-${ARCH}(-secureboot)?$`),
    (m) => ({ kind: 'cmdline', platform: m[1], arch: arch(m[2] ?? ''), secureboot: Boolean(m[3]) }),
  ],
  [
    new RegExp(`^${PLATFORM}-${ARCH}(-secureboot)?\\.iso$`),
    (m) => ({ kind: 'iso', platform: m[1], arch: arch(m[2] ?? ''), secureboot: Boolean(m[3]) }),
  ],
  [
    new RegExp(`^${PLATFORM}-${ARCH}(-secureboot)?-uki\\.efi$`),
    (m) => ({ kind: 'uki', platform: m[1], arch: arch(m[2] ?? ''), secureboot: Boolean(m[3]) }),
  ],
  [
    new RegExp(`^(?:${PLATFORM}-)?installer-${ARCH}(-secureboot)?\\.tar$`),
    (m) => ({
      kind: 'installer',
      platform: m[1] ?? 'metal',
      arch: arch(m[2] ?? ''),
      secureboot: Boolean(m[3]),
    }),
  ],
  [
    new RegExp(`^${PLATFORM}-${ARCH}(-secureboot)?\\.(raw|qcow2|vhd|ova)(?:\\.(xz|gz|zst|tar\\.gz))?$`),
    (m) => ({
      kind: 'disk',
      platform: m[1],
      arch: arch(m[2] ?? ''),
      secureboot: Boolean(m[3]),
      format: m[4],
      ...(m[5] ? { compression: m[5] } : {}),
    }),
  ],
];

export function parseImagePath(file: string): ImagePath | undefined {
  for (const [re, build] of PATTERNS) {
    const m = re.exec(file);
    if (m) return build(m);
  }
  return undefined;
}

/** Virtual size of the generated qcow2 images (a Talos nocloud disk image is about this size). */
export const QCOW2_VIRTUAL_SIZE = 2 * 1024 ** 3;
const CLUSTER_BITS = 16;
const CLUSTER = 1 << CLUSTER_BITS;

/**
 * A qcow2 v3 image with no allocated data: header, refcount table, one refcount block, L1 table. `note` is
 * stored after the header's extension end marker, where qemu ignores it, so images differ per schematic.
 */
export function emptyQcow2(virtualSize: number, note: string): Buffer {
  const l2Entries = CLUSTER / 8;
  const l1Size = Math.ceil(virtualSize / (CLUSTER * l2Entries));
  const buf = Buffer.alloc(4 * CLUSTER);
  buf.write('QFI\xfb', 0, 'latin1');
  buf.writeUInt32BE(3, 4); // version
  buf.writeBigUInt64BE(0n, 8); // backing file offset
  buf.writeUInt32BE(0, 16); // backing file size
  buf.writeUInt32BE(CLUSTER_BITS, 20);
  buf.writeBigUInt64BE(BigInt(virtualSize), 24);
  buf.writeUInt32BE(0, 32); // no encryption
  buf.writeUInt32BE(l1Size, 36);
  buf.writeBigUInt64BE(BigInt(3 * CLUSTER), 40); // L1 table offset
  buf.writeBigUInt64BE(BigInt(CLUSTER), 48); // refcount table offset
  buf.writeUInt32BE(1, 56); // refcount table clusters
  buf.writeUInt32BE(0, 60); // snapshots
  buf.writeBigUInt64BE(0n, 64);
  buf.writeBigUInt64BE(0n, 72); // incompatible features
  buf.writeBigUInt64BE(0n, 80); // compatible features
  buf.writeBigUInt64BE(0n, 88); // autoclear features
  buf.writeUInt32BE(4, 96); // refcount order: 16-bit
  buf.writeUInt32BE(104, 100); // header length
  // bytes 104..111: header extension end marker (zeros)
  buf.write(note.slice(0, 1024), 128, 'utf8');
  buf.writeBigUInt64BE(BigInt(2 * CLUSTER), CLUSTER); // refcount table[0] → refcount block
  for (let i = 0; i < 4; i++) buf.writeUInt16BE(1, 2 * CLUSTER + 2 * i); // clusters 0..3 in use
  return buf;
}

/** Deterministic filler bytes (a sha256 counter stream) so sizes look like data and content is stable. */
function filler(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let offset = 0, n = 0; offset < length; n++) {
    const block = createHash('sha256').update(`${seed}:${n}`).digest();
    offset += block.copy(out, offset);
  }
  return out;
}

function tarSingle(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136); // mtime 0: reproducible
  header.write('        ', 148); // checksum placeholder
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding, Buffer.alloc(1024)]);
}

export function generateImage(schematicId: string, version: string, file: string, path: ImagePath): Buffer {
  // Compressed variants wrap the same bytes as the uncompressed image.
  const base = path.compression ? file.slice(0, -(path.compression.length + 1)) : file;
  const note = `talos-factory-sim image\nschematic: ${schematicId}\nversion: ${version}\nfile: ${base}\n`;
  const seed = `${schematicId}/${version}/${base}`;
  if (path.kind === 'cmdline') {
    return Buffer.from(
      `talos.platform=${path.platform} console=ttyS0 console=tty0 init_on_alloc=1 slab_nomerge pti=on\n`,
    );
  }
  if (path.kind !== 'disk') return Buffer.concat([Buffer.from(note), filler(seed, 32 * 1024)]);
  const name = `disk.${path.format}`;
  const uncompressed =
    path.format === 'qcow2'
      ? emptyQcow2(QCOW2_VIRTUAL_SIZE, note)
      : Buffer.concat([Buffer.from(note), filler(seed, 64 * 1024)]);
  switch (path.compression) {
    case undefined:
      return uncompressed;
    case 'gz':
      return gzipSync(uncompressed);
    case 'zst':
      return zstdCompressSync(uncompressed);
    case 'xz':
      return xzStore(uncompressed);
    case 'tar.gz':
      return gzipSync(tarSingle(name, uncompressed));
    default:
      return uncompressed;
  }
}

export function contentTypeOf(path: ImagePath): string {
  if (path.kind === 'cmdline') return 'text/plain; charset=utf-8';
  if (path.kind === 'iso') return 'application/x-iso9660-image';
  return 'application/octet-stream';
}
