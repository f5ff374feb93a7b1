import { createHash } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ok, type RequestContext, type Route } from '../core';
import { dieError } from '../errors';
import { str } from '../http/params';
import { uploadTmpHostPath } from '../http/upload-receive';
import { fileVolname, getStorage, hostPath, isFileStorage, pvePath, type Vtype } from '../storage/volumes';
import { checkExtension, normalizeFilename } from './download';

async function fileDigest(file: string, algorithm: string, signal: AbortSignal): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `POST /nodes/{node}/storage/{storage}/upload` (pve-storage's Status.pm `upload`): pveproxy has already
 * streamed the multipart file part into `tmpfilename`; this checks the storage (file-based, content enabled)
 * and the file name, then an `imgcopy` task verifies the optional checksum and moves the file into place.
 * As on PVE ("NOTE: we simply overwrite the destination file if it already exists"), an existing file of that
 * name is overwritten; a failed task leaves neither temp file nor volume. Not modelled: `assert_iso_content`
 * (qemu-img's check that an ISO is not, say, a qcow2 with a backing file).
 */
async function upload(ctx: RequestContext) {
  const node = str(ctx.params, 'node')!;
  const storageId = str(ctx.params, 'storage')!;
  const content = str(ctx.params, 'content')! as Vtype;
  const storage = getStorage(ctx.state, storageId, node);
  // Checks and texts in pve-storage's order (Status.pm `upload`).
  if (!isFileStorage(storage)) throw dieError(`can't upload to storage type '${storage.type}'`);
  const tmpfilename = str(ctx.params, 'tmpfilename');
  if (!tmpfilename) throw dieError('missing temporary file name');
  const tmp = uploadTmpHostPath(ctx.core.store.stateDir, tmpfilename);
  const size = tmp ? (await stat(tmp).catch(() => null))?.size : undefined;
  if (!tmp || size === undefined) throw dieError(`temporary file '${tmpfilename}' does not exist`);
  const filename = normalizeFilename(str(ctx.params, 'filename')!);
  checkExtension(content, filename);
  if (!storage.content.includes(content))
    throw dieError(`storage '${storageId}' does not support '${content}' content`);
  const checksum = str(ctx.params, 'checksum');
  const algorithm = str(ctx.params, 'checksum-algorithm');

  const volname = fileVolname(content, filename);
  const volid = `${storageId}:${volname}`;
  const shownPath = pvePath(storage, storageId, volname);
  const dest = hostPath(ctx.core.store.storageRoot(storageId), volname);
  const state = ctx.state;
  let placed = false;

  const upid = ctx.core.tasks.start({
    node,
    type: 'imgcopy',
    id: '',
    user: ctx.caller.authId,
    origin: { method: ctx.method, path: ctx.path },
    async work(task) {
      task.log(`starting file import from: ${tmpfilename}`);
      if (checksum && algorithm) {
        const got = await fileDigest(tmp, algorithm, task.signal);
        // PVE prints "calculating checksum..." without a newline, then the verdict on the same line.
        if (got !== checksum.toLowerCase()) {
          task.log('calculating checksum...');
          throw new Error(`checksum mismatch: got '${got}' != expect '${checksum}'`);
        }
        task.log('calculating checksum...OK, checksum verified');
      }
      task.log(`target node: ${node}`);
      task.log(`target file: ${shownPath}`);
      task.log(`file size is: ${size}`);
      task.log(`command: cp -- ${tmpfilename} ${shownPath}`);
      await mkdir(dirname(dest), { recursive: true });
      await rename(tmp, dest);
      placed = true;
      state.volumes[volid] = {
        storage: storageId,
        volname,
        vtype: content,
        format: content === 'iso' ? 'iso' : content === 'vztmpl' ? 'tgz' : filename.split('.').pop()!,
        size,
        ctime: Math.floor(Date.now() / 1000),
        file: true,
      };
      task.log('finished file import successfully');
    },
    rollback() {
      rmSync(tmp, { force: true });
      if (placed) {
        rmSync(dest, { force: true });
        delete state.volumes[volid];
      }
    },
  });
  return ok(upid);
}

export const uploadRoutes: Route[] = [
  { method: 'POST', template: '/nodes/{node}/storage/{storage}/upload', handler: upload },
];
