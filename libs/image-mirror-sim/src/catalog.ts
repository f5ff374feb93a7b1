import { createHash } from 'node:crypto';
import type { DownloadSource, Environment } from '@infra/config';
import { emptyQcow2 } from '@infra/factory-sim';
import { buildIso9660 } from './iso9660';

/**
 * What the mirror serves: one small generated file per image source of the catalog (`images.<os>.source`, and
 * `images.<os>.drivers` where there is one). Pure: the bytes depend only on the entry, so a file's checksum is
 * the same on every run and a template built from it is found again by the next build.
 */
export type Media = 'source' | 'drivers';

export interface MirrorFile {
  os: string;
  media: Media;
  /** `qcow2` for a cloud image (a valid empty qcow2 v3, 2 GiB virtual), `iso` for install or driver media. */
  format: 'qcow2' | 'iso';
  fileName: string;
  /** The catalog entry this file stands in for. */
  upstream: DownloadSource;
  /** `/<os>/<media>/<fileName>` on the mirror. */
  path: string;
}

const KNOWN_EXTENSION = /\.(qcow2|img|iso|raw)$/i;

/** The upstream file's own name where its URL has one, else `<os>-<version>-<media>.<format>` (Microsoft's fwlink). */
function fileNameFor(os: string, version: string, media: Media, url: string, format: MirrorFile['format']) {
  const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  if (KNOWN_EXTENSION.test(last)) return last.replace(/[^a-zA-Z0-9._+-]/g, '_');
  return `${os}-${version}-${media}.${format}`.replace(/[^a-zA-Z0-9._+-]/g, '_');
}

export function mirrorFiles(images: Environment['images']): MirrorFile[] {
  const files: MirrorFile[] = [];
  for (const [os, image] of Object.entries(images).sort(([a], [b]) => a.localeCompare(b))) {
    const format = image.install === 'iso' ? 'iso' : 'qcow2';
    const add = (media: Media, upstream: DownloadSource, fileFormat: MirrorFile['format']) => {
      const fileName = fileNameFor(os, image.version, media, upstream.url, fileFormat);
      files.push({ os, media, format: fileFormat, fileName, upstream, path: `/${os}/${media}/${fileName}` });
    };
    add('source', { url: image.source.url, checksum: image.source.checksum }, format);
    if (image.drivers) add('drivers', image.drivers, 'iso');
  }
  return files;
}

const note = (file: MirrorFile) =>
  `infra image-mirror-sim: ${file.os} ${file.media} (${file.fileName}) stands in for ${file.upstream.url} (${file.upstream.checksum}); it is not that file.\n`;

export function generateFile(file: MirrorFile): Buffer {
  if (file.format === 'qcow2') return emptyQcow2(2 * 1024 ** 3, note(file));
  const label = file.media === 'drivers' ? `${file.os}_drivers` : `${file.os}_install`;
  return buildIso9660(label, 'README.TXT', Buffer.from(note(file), 'utf8'));
}

export const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
