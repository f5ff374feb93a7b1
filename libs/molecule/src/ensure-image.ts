import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError, type Logger, runProcess } from '@infra/core';
import { type BaseImageSpec, baseImageKey, baseImageTag, debootstrapArgs } from './base-image';
import type { MoleculeErrorCode } from './error-codes';

export interface EnsureBaseImageOptions {
  spec: BaseImageSpec;
  /** Variables for podman and debootstrap on top of the minimal child environment (PATH, CONTAINERS_CONF). */
  env: Record<string, string>;
  /** Work and lock directory, e.g. $INFRA_CACHE_DIR/molecule. */
  workDir: string;
  logger?: Logger;
  signal?: AbortSignal;
  /** How long to wait for another process building the same image. */
  lockTimeoutMs?: number;
}

export interface BaseImage {
  tag: string;
  built: boolean;
  durationMs: number;
}

/**
 * The base image, built when podman does not have it yet: debootstrap into a private directory, then `podman
 * import` of its tarball. One build at a time per image (a lock file holding the builder's pid); a failed or
 * interrupted build (the signal) leaves no rootfs and no lock behind.
 */
export async function ensureBaseImage(options: EnsureBaseImageOptions): Promise<BaseImage> {
  const { spec, workDir } = options;
  const started = Date.now();
  const tag = baseImageTag(spec);
  const run = (program: string, args: string[], timeoutMs: number) =>
    runProcess(program, args, {
      cwd: workDir,
      env: options.env,
      timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const exists = async () => (await run('podman', ['image', 'exists', tag], 60_000)).exitCode === 0;
  await mkdir(workDir, { recursive: true });
  if (await exists()) return { tag, built: false, durationMs: Date.now() - started };

  const release = await acquireLock(join(workDir, `base-${baseImageKey(spec)}.lock`), options);
  const parent = await mkdtemp(join(workDir, 'rootfs-')).catch(async (error: unknown) => {
    await release();
    throw error;
  });
  try {
    if (await exists()) return { tag, built: false, durationMs: Date.now() - started };
    const rootfs = join(parent, 'rootfs');
    options.logger?.step(
      `debootstrap ${spec.suite} (${spec.variant}, +${spec.include.join(',')}) from ${spec.mirror} for the Molecule base image`,
    );
    const bootstrap = await run('debootstrap', debootstrapArgs(spec, rootfs), 30 * 60_000);
    if (bootstrap.exitCode !== 0) {
      throw new InfraError<MoleculeErrorCode>(
        'BASE_IMAGE_FAILED',
        `debootstrap ${spec.suite} from ${spec.mirror} exited with ${bootstrap.exitCode}: ${tail(bootstrap.stderr || bootstrap.stdout)}`,
        {
          hint: 'check that the Debian mirror is reachable (INFRA_DEBIAN_MIRROR overrides it) and that this runs as root',
        },
      );
    }
    const tarball = join(parent, 'rootfs.tar');
    const tar = await run('tar', ['-C', rootfs, '-cf', tarball, '.'], 10 * 60_000);
    if (tar.exitCode !== 0) {
      throw new InfraError<MoleculeErrorCode>(
        'BASE_IMAGE_FAILED',
        `tar of the rootfs failed: ${tail(tar.stderr)}`,
      );
    }
    const imported = await run('podman', ['import', tarball, tag], 10 * 60_000);
    if (imported.exitCode !== 0) {
      throw new InfraError<MoleculeErrorCode>(
        'BASE_IMAGE_FAILED',
        `podman import failed: ${tail(imported.stderr)}`,
        {
          hint: 'podman needs the toolchain containers.conf on these machines (CONTAINERS_CONF; ./infra setup writes it)',
        },
      );
    }
    return { tag, built: true, durationMs: Date.now() - started };
  } finally {
    await rm(parent, { recursive: true, force: true });
    await release();
  }
}

const tail = (text: string) => text.trim().split('\n').slice(-5).join('\n');

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file holding the owner's pid (O_EXCL); one whose process is gone is stale and taken over. */
async function acquireLock(file: string, options: EnsureBaseImageOptions): Promise<() => Promise<void>> {
  const timeoutMs = options.lockTimeoutMs ?? 30 * 60_000;
  const started = Date.now();
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const handle = await open(file, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(owner) || owner <= 0 || !processAlive(owner)) {
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new InfraError<MoleculeErrorCode>(
        'BASE_IMAGE_LOCKED',
        `another process (pid ${owner}) is building the Molecule base image (${file})`,
        { hint: `wait for it to finish, or stop it (kill ${owner}) and rerun` },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
