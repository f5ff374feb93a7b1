/**
 * A minimal, valid ISO 9660 image (ECMA-119): primary volume descriptor, terminator, both path tables, a root
 * directory with one file. Enough for anything that probes or mounts an ISO (blkid reports TYPE="iso9660" and
 * the label), and a few KiB instead of an installer's gigabytes. Dates are fixed so the bytes, and so the
 * checksum, depend only on the label and the file.
 */
const SECTOR = 2048;
const PVD_SECTOR = 16;
const TERMINATOR_SECTOR = 17;
const L_PATH_SECTOR = 18;
const M_PATH_SECTOR = 19;
const ROOT_SECTOR = 20;
const FILE_SECTOR = 21;

const bothEndian32 = (value: number) => {
  const out = Buffer.alloc(8);
  out.writeUInt32LE(value, 0);
  out.writeUInt32BE(value, 4);
  return out;
};
const bothEndian16 = (value: number) => {
  const out = Buffer.alloc(4);
  out.writeUInt16LE(value, 0);
  out.writeUInt16BE(value, 2);
  return out;
};
/** 2026-01-01 00:00:00 UTC as a directory-record date (years since 1900, month, day, h, m, s, tz). */
const RECORD_DATE = Buffer.from([126, 1, 1, 0, 0, 0, 0]);
/** The same as a volume-descriptor date: 16 digits and a timezone byte. */
const VOLUME_DATE = Buffer.concat([Buffer.from('2026010100000000', 'ascii'), Buffer.from([0])]);

function directoryRecord(name: Buffer, extent: number, size: number, directory: boolean): Buffer {
  const length = 33 + name.length + (name.length % 2 === 0 ? 1 : 0);
  const record = Buffer.alloc(length);
  record[0] = length;
  bothEndian32(extent).copy(record, 2);
  bothEndian32(size).copy(record, 10);
  RECORD_DATE.copy(record, 18);
  record[25] = directory ? 2 : 0;
  bothEndian16(1).copy(record, 28);
  record[32] = name.length;
  name.copy(record, 33);
  return record;
}

/** d-characters (A–Z, 0–9, _), space padded: what ISO 9660 allows in a volume identifier. */
export const isoLabel = (text: string) =>
  text
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, '_')
    .slice(0, 32);

export function buildIso9660(label: string, fileName: string, content: Buffer): Buffer {
  const fileSectors = Math.max(1, Math.ceil(content.length / SECTOR));
  const totalSectors = FILE_SECTOR + fileSectors;
  const image = Buffer.alloc(totalSectors * SECTOR);
  const at = (sector: number) => sector * SECTOR;

  const root = directoryRecord(Buffer.from([0]), ROOT_SECTOR, SECTOR, true);
  const pvd = image.subarray(at(PVD_SECTOR), at(PVD_SECTOR + 1));
  pvd[0] = 1;
  pvd.write('CD001', 1, 'ascii');
  pvd[6] = 1;
  pvd.write(' '.repeat(32), 8, 'ascii');
  pvd.write(isoLabel(label).padEnd(32, ' '), 40, 'ascii');
  bothEndian32(totalSectors).copy(pvd, 80);
  bothEndian16(1).copy(pvd, 120);
  bothEndian16(1).copy(pvd, 124);
  bothEndian16(SECTOR).copy(pvd, 128);
  bothEndian32(10).copy(pvd, 132);
  pvd.writeUInt32LE(L_PATH_SECTOR, 140);
  pvd.writeUInt32BE(M_PATH_SECTOR, 148);
  root.copy(pvd, 156);
  for (const [offset, length] of [
    [190, 128],
    [318, 128],
    [446, 128],
    [574, 128],
    [702, 37],
    [739, 37],
    [776, 37],
  ] as const) {
    pvd.write(' '.repeat(length), offset, 'ascii');
  }
  pvd.write('INFRA IMAGE-MIRROR-SIM'.padEnd(128, ' '), 574, 'ascii');
  for (const offset of [813, 830, 864]) VOLUME_DATE.copy(pvd, offset);
  Buffer.concat([Buffer.from('0000000000000000', 'ascii'), Buffer.from([0])]).copy(pvd, 847);
  pvd[881] = 1;

  const terminator = image.subarray(at(TERMINATOR_SECTOR), at(TERMINATOR_SECTOR + 1));
  terminator[0] = 255;
  terminator.write('CD001', 1, 'ascii');
  terminator[6] = 1;

  // Path tables: the root only (name length 1, name 0x00, parent 1), little- then big-endian.
  const lPath = image.subarray(at(L_PATH_SECTOR));
  lPath[0] = 1;
  lPath.writeUInt32LE(ROOT_SECTOR, 2);
  lPath.writeUInt16LE(1, 6);
  const mPath = image.subarray(at(M_PATH_SECTOR));
  mPath[0] = 1;
  mPath.writeUInt32BE(ROOT_SECTOR, 2);
  mPath.writeUInt16BE(1, 6);

  const name = Buffer.from(`${fileName.toUpperCase().replace(/[^A-Z0-9_.]/g, '_')};1`, 'ascii');
  const records = [
    root,
    directoryRecord(Buffer.from([1]), ROOT_SECTOR, SECTOR, true),
    directoryRecord(name, FILE_SECTOR, content.length, false),
  ];
  Buffer.concat(records).copy(image, at(ROOT_SECTOR));
  content.copy(image, at(FILE_SECTOR));
  return image;
}
