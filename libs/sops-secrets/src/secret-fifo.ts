import { constants } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraError, runProcess } from '@infra/core';
import type { SopsErrorCode } from './error-codes';

/**
 * Hands one secret to a tool that insists on a file path (e.g. `ansible-playbook --vault-password-file`)
 * without writing it to disk: a named pipe (FIFO, mode 0600, in a fresh 0700 directory) that we write into
 * as soon as the tool opens it. The data only ever sits in the kernel's pipe buffer; the FIFO and its
 * directory are removed when `use` settles. The tool can read it once.
 */
export async function withSecretFifo<T>(secret: string, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'infra-secret-'));
  const path = join(dir, 'secret');
  try {
    const made = await runProcess('mkfifo', ['-m', '600', path]).catch(() => undefined);
    if (made?.exitCode !== 0) {
      throw new InfraError<SopsErrorCode>('SECRET_FIFO_FAILED', `could not create a named pipe in ${dir}`, {
        hint: 'mkfifo (coreutils) must be on PATH and the temp directory must support FIFOs',
      });
    }
    // Opening for writing waits until the tool opens the FIFO for reading.
    const writer = (async () => {
      const handle = await open(path, constants.O_WRONLY);
      try {
        await handle.writeFile(secret);
      } finally {
        await handle.close();
      }
    })();
    try {
      return await use(path);
    } finally {
      // If the tool never opened the FIFO, the writer is still waiting: become the reader, let it finish.
      const drain = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
      await writer.catch(() => undefined);
      await drain?.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
