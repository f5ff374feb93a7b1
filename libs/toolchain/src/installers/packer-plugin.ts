import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError } from '@infra/core';
import type { ToolchainErrorCode } from '../error-codes';
import { runLogged, tailLines } from '../exec';
import { goPlatform } from '../paths';
import type { Progress } from '../progress';

/** `github.com/hashicorp/proxmox` → `packer-plugin-proxmox`. */
export function pluginBinaryPrefix(source: string): string {
  return `packer-plugin-${source.split('/').pop()}`;
}

/**
 * Whether a plugin file name is the installed binary of this version for this platform, as
 * `packer plugins install` names it: packer-plugin-<name>_v<version>_<api>_<os>_<arch>.
 */
export function isInstalledPluginFile(
  fileName: string,
  source: string,
  version: string,
  platform = goPlatform(),
): boolean {
  const prefix = `${pluginBinaryPrefix(source)}_v${version}_`;
  return fileName.startsWith(prefix) && fileName.endsWith(`_${platform}`);
}

/** The installed plugin binary (with its _SHA256SUM beside it), or undefined. */
export async function installedPackerPlugin(
  pluginDir: string,
  source: string,
  version: string,
): Promise<string | undefined> {
  const dir = join(pluginDir, source);
  const files = await readdir(dir).catch(() => [] as string[]);
  const binary = files.find((name) => isInstalledPluginFile(name, source, version));
  if (!binary || !files.includes(`${binary}_SHA256SUM`)) return undefined;
  return join(dir, binary);
}

/**
 * `packer plugins install --path` into a scratch plugin dir (packer runs `describe`, names the file after the
 * API version and writes the checksum), then moves the pair into PACKER_PLUGIN_PATH: binary first, checksum
 * last, because packer ignores a binary without a matching checksum. Other versions of the plugin are
 * removed so `packer init` cannot pick a stale one.
 */
export async function installPackerPlugin(options: {
  packer: string;
  pluginBinary: string;
  source: string;
  version: string;
  pluginDir: string;
  workDir: string;
  logFile: string;
  progress: Progress;
  subject: string;
}): Promise<string> {
  const scratch = join(options.workDir, `plugins-${randomBytes(4).toString('hex')}`);
  await mkdir(scratch, { recursive: true });
  try {
    const env = { ...process.env, PACKER_PLUGIN_PATH: scratch, CHECKPOINT_DISABLE: '1' };
    const code = await options.progress.phase(`packer plugins install --path … ${options.source}`, () =>
      runLogged(options.packer, ['plugins', 'install', '--path', options.pluginBinary, options.source], {
        env,
        logFile: options.logFile,
        timeoutMs: 10 * 60_000,
      }),
    );
    if (code !== 0) {
      const tail = await tailLines(options.logFile, 10);
      throw new InfraError<ToolchainErrorCode>(
        'TOOLCHAIN_BUILD_FAILED',
        `${options.subject}: packer plugins install failed (exit ${code}); last lines of ${options.logFile}:\n${tail.map((l) => `    ${l}`).join('\n')}`,
        { hint: `read ${options.logFile}; the plugin directory was not changed` },
      );
    }
    const installed = await installedPackerPlugin(scratch, options.source, options.version);
    if (!installed) {
      throw new InfraError<ToolchainErrorCode>(
        'TOOLCHAIN_BUILD_FAILED',
        `${options.subject}: packer plugins install did not produce ${pluginBinaryPrefix(options.source)}_v${options.version}_* in ${scratch}`,
        { hint: 'the built plugin probably reports another version (see `<plugin> describe`)' },
      );
    }
    const targetDir = join(options.pluginDir, options.source);
    await mkdir(targetDir, { recursive: true });
    const prefix = `${pluginBinaryPrefix(options.source)}_v`;
    for (const stale of await readdir(targetDir)) {
      if (stale.startsWith(prefix)) await rm(join(targetDir, stale), { force: true });
    }
    const name = installed.split('/').pop()!;
    await rename(installed, join(targetDir, name));
    await rename(`${installed}_SHA256SUM`, join(targetDir, `${name}_SHA256SUM`));
    return join(targetDir, name);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
