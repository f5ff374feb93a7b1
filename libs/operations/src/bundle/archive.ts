import { writeFileAtomic } from '@infra/core';
import { Header, Pack, ReadEntry } from 'tar';

export interface ArchiveFile {
  path: string;
  text: string;
}

/**
 * A gzipped tar of in-memory files (node-tar's Pack fed with entries, so nothing reaches the disk before the
 * archive itself), every entry 0600 with a fixed mtime: the same files give the same archive bytes.
 */
export async function tarGz(files: readonly ArchiveFile[], mtime: Date): Promise<Buffer> {
  const pack = new Pack({ gzip: true, portable: true });
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const file of files) {
    const body = Buffer.from(file.text, 'utf8');
    const entry = new ReadEntry(
      new Header({ path: file.path, mode: 0o600, size: body.length, type: 'File', mtime }),
    );
    pack.write(entry);
    entry.end(body);
  }
  pack.end();
  await done;
  return Buffer.concat(chunks);
}

/** Writes the archive atomically (temp file in the same directory, then rename), readable by the owner only. */
export async function writeArchive(out: string, files: readonly ArchiveFile[], mtime: Date): Promise<number> {
  const bytes = await tarGz(files, mtime);
  await writeFileAtomic(out, bytes, { mode: 0o600 });
  return bytes.length;
}
