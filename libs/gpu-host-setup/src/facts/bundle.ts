import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { InfraError, writeFileAtomic } from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';
import { BUNDLE_FILES, isWatchedPath, type RawFacts, rawFactsSchema } from './raw-facts';

/** A first line `# source: …` records where a captured output came from; it is not part of the output. */
export function stripProvenance(text: string): string {
  return text.startsWith('# source:') ? text.slice(text.indexOf('\n') + 1) : text;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InfraError<GpuHostErrorCode>(
      'FACTS_BUNDLE_UNREADABLE',
      `cannot read ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

async function listFilesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** Reads a facts bundle directory (layout in README.md). Every command-output file must be present. */
export async function readFactsBundle(dir: string): Promise<RawFacts> {
  const text: Partial<Record<keyof typeof BUNDLE_FILES, string>> = {};
  const missing: string[] = [];
  for (const [key, name] of Object.entries(BUNDLE_FILES) as [keyof typeof BUNDLE_FILES, string][]) {
    const content = await readOptional(join(dir, name));
    if (content === undefined) missing.push(name);
    else text[key] = stripProvenance(content);
  }
  if (missing.length > 0) {
    throw new InfraError<GpuHostErrorCode>(
      'FACTS_BUNDLE_INCOMPLETE',
      `facts bundle ${dir} lacks ${missing.join(', ')}`,
      {
        hint: 'write it with `gpu-host.ts collect --out <dir>`, or add the files by hand as libs/gpu-host-setup/README.md lists them (empty files are fine for an empty output)',
        details: { missing },
      },
    );
  }
  const exitCode = Number.parseInt(text.bootToolExitCode!.trim(), 10);
  if (!Number.isInteger(exitCode)) {
    throw new InfraError<GpuHostErrorCode>(
      'FACTS_BUNDLE_INVALID',
      `${join(dir, BUNDLE_FILES.bootToolExitCode)} must hold the exit code of \`proxmox-boot-tool status\` (e.g. 0 or 2), got "${text.bootToolExitCode!.trim()}"`,
    );
  }
  const files: Record<string, string> = {};
  for (const file of await listFilesBelow(join(dir, 'etc'))) {
    const hostPath = `/${relative(dir, file).split(sep).join('/')}`;
    if (isWatchedPath(hostPath)) files[hostPath] = stripProvenance(await readFile(file, 'utf8'));
  }
  return rawFactsSchema.parse({
    cpuinfo: text.cpuinfo,
    kernelRelease: text.kernelRelease!.trim(),
    procCmdline: text.procCmdline,
    bootToolStatus: { output: text.bootToolOutput, exitCode },
    lspci: text.lspci,
    iommuGroups: text.iommuGroups,
    kernelLog: text.kernelLog,
    bootVga: text.bootVga,
    files,
  });
}

/** Writes facts as a bundle directory (the inverse of readFactsBundle). */
export async function writeFactsBundle(dir: string, facts: RawFacts): Promise<string[]> {
  const existing = await readdir(dir).catch(() => []);
  if (existing.length > 0) {
    throw new InfraError<GpuHostErrorCode>(
      'FACTS_BUNDLE_EXISTS',
      `${dir} is not empty; a bundle must not mix two collections`,
      {
        hint: 'pass a new or empty directory to --out',
      },
    );
  }
  for (const path of Object.keys(facts.files)) {
    if (!isWatchedPath(path))
      throw new InfraError<GpuHostErrorCode>(
        'FACTS_INVALID',
        `facts name a file outside the watched paths: ${path}`,
      );
  }
  const outputs: [string, string][] = [
    [BUNDLE_FILES.cpuinfo, facts.cpuinfo],
    [BUNDLE_FILES.kernelRelease, `${facts.kernelRelease}\n`],
    [BUNDLE_FILES.procCmdline, facts.procCmdline],
    [BUNDLE_FILES.bootToolOutput, facts.bootToolStatus.output],
    [BUNDLE_FILES.bootToolExitCode, `${facts.bootToolStatus.exitCode}\n`],
    [BUNDLE_FILES.lspci, facts.lspci],
    [BUNDLE_FILES.iommuGroups, facts.iommuGroups],
    [BUNDLE_FILES.kernelLog, facts.kernelLog],
    [BUNDLE_FILES.bootVga, facts.bootVga],
    ...Object.entries(facts.files).map(([path, content]): [string, string] => [
      path.replace(/^\//, ''),
      content,
    ]),
  ];
  for (const [name, content] of outputs) await writeFileAtomic(join(dir, name), content, { mode: 0o644 });
  return outputs.map(([name]) => name).sort();
}
