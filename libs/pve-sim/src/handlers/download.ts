import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ok, type RequestContext, type Route } from '../core';
import { dieError, paramError } from '../errors';
import { bool, str } from '../http/params';
import { assertLoopbackUrl, downloadToFile } from '../storage/fetch';
import {
  fileVolname,
  getStorage,
  hostPath,
  isFileStorage,
  pvePath,
  qcow2VirtualSize,
  type Vtype,
} from '../storage/volumes';

/** download-url's filename rules (pve-storage Status.pm): normalise, then check the extension per content. */
export function normalizeFilename(filename: string): string {
  return filename.replace(/^.*[/\\]/, '').replace(/[^a-zA-Z0-9_.-]/g, '_');
}

export function checkExtension(content: string, filename: string): void {
  if (content === 'iso' && !/[^/]+\.(?:iso|img)$/i.test(filename))
    throw paramError({ filename: 'wrong file extension' });
  if (content === 'vztmpl' && !/\.tar\.(?:gz|xz|zst|bz2)$/.test(filename))
    throw paramError({ filename: 'wrong file extension' });
  if (content === 'import' && !/^[a-zA-Z0-9\-.+=_]+\.(?:ova|qcow2|raw|vmdk)$/.test(filename)) {
    throw paramError({ filename: 'invalid filename or wrong extension' });
  }
}

async function fileDigest(file: string, algorithm: string): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/**
 * `POST /nodes/{node}/storage/{storage}/download-url`: synchronous checks (file-based storage, content
 * enabled, filename, loopback URL), then a `download` task that really fetches the URL into the storage
 * directory, verifies the checksum, never overwrites an existing file, and never decompresses `import`.
 */
async function downloadUrl(ctx: RequestContext) {
  const node = str(ctx.params, 'node')!;
  const storageId = str(ctx.params, 'storage')!;
  const content = str(ctx.params, 'content')! as Vtype;
  const storage = getStorage(ctx.state, storageId, node);
  if (!isFileStorage(storage))
    throw dieError(`can't upload to storage type '${storage.type}', not a file based storage!`);
  if (!storage.content.includes(content))
    throw dieError(`storage '${storageId}' is not configured for content-type '${content}'`);
  const filename = normalizeFilename(str(ctx.params, 'filename')!);
  checkExtension(content, filename);
  const rawUrl = str(ctx.params, 'url')!;
  const url = assertLoopbackUrl(rawUrl);
  const checksum = str(ctx.params, 'checksum')?.toLowerCase();
  const algorithm = str(ctx.params, 'checksum-algorithm');
  const compression = str(ctx.params, 'compression');
  const verifyCertificates = bool(ctx.params, 'verify-certificates') ?? true;

  const volname = fileVolname(content, filename);
  const volid = `${storageId}:${volname}`;
  const shownPath = pvePath(storage, storageId, volname);
  const dest = hostPath(ctx.core.store.storageRoot(storageId), volname);
  const state = ctx.state;

  const upid = ctx.core.tasks.start({
    node,
    type: 'download',
    id: filename,
    user: ctx.caller.authId,
    origin: { method: ctx.method, path: ctx.path },
    async work(task) {
      if (compression && content !== 'iso') throw new Error(`decompression not supported for ${content}`);
      task.log(`downloading ${rawUrl} to ${shownPath}`);
      if (await exists(dest)) {
        if (!checksum || !algorithm) throw new Error(`refusing to override existing file '${shownPath}'`);
        const got = await fileDigest(dest, algorithm);
        if (got !== checksum)
          throw new Error(`checksum mismatch: got '${got}' != expect '${checksum}', aborting`);
        task.log('OK, got correct file already, no need to download');
        return;
      }
      await mkdir(dirname(dest), { recursive: true });
      const tmp = `${dest}.tmp_dwnl.${process.pid}`;
      try {
        const result = await downloadToFile(url, tmp, {
          verifyCertificates,
          signal: task.signal,
          ...(algorithm ? { algorithm } : {}),
          ...(compression ? { decompress: compression } : {}),
        });
        task.log(`downloaded ${result.bytes} bytes`);
        if (checksum && algorithm) {
          task.log(`calculating checksum...`);
          if (result.digest !== checksum)
            throw new Error(`checksum mismatch: got '${result.digest}' != expect '${checksum}'`);
          task.log('checksum verified');
        }
        if (compression) task.log(`decompressing ${compression}`);
        await rename(tmp, dest);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
      const size = (await qcow2VirtualSize(dest)) ?? (await stat(dest)).size;
      const extension = filename.split('.').pop()!.toLowerCase();
      const format = content === 'iso' ? 'iso' : content === 'vztmpl' ? 'tgz' : extension;
      state.volumes[volid] = {
        storage: storageId,
        volname,
        vtype: content,
        format,
        size,
        ctime: Math.floor(Date.now() / 1000),
        file: true,
      };
      task.log(`download of '${rawUrl}' to '${shownPath}' finished`);
    },
  });
  return ok(upid);
}

export const downloadRoutes: Route[] = [
  { method: 'POST', template: '/nodes/{node}/storage/{storage}/download-url', handler: downloadUrl },
];
