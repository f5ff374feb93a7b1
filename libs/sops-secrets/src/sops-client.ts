import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { InfraError, writeFileAtomic } from '@infra/core';
import type { SopsErrorCode } from './error-codes';
import { formatOf, type PlainData, type SopsFormat, serializePlain } from './formats';
import type { SopsKeyContext } from './key-context';
import { readSopsMetadata, type SopsMetadata } from './metadata';
import { runSops, type SopsRun } from './sops-binary';
import { classifySopsFailure, type FailureContext, sopsFailureToError } from './sops-errors';

/** How to run sops for one project: whose keys, which .sops.yaml, and how to name files in messages. */
export interface SopsContext {
  keys: SopsKeyContext;
  /** The .sops.yaml to use (passed as --config so the lookup never depends on the working directory). */
  configPath?: string;
  /** Files are named relative to this directory in messages (default: the working directory). */
  displayRoot?: string;
}

function display(context: SopsContext, path: string): string {
  const rel = relative(context.displayRoot ?? process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

function configArgs(context: SopsContext): string[] {
  return context.configPath ? ['--config', context.configPath] : [];
}

async function failure(
  run: SopsRun,
  context: SopsContext,
  operation: FailureContext['operation'],
  path: string,
) {
  const metadata = await readMetadataFile(path).catch(() => undefined);
  return sopsFailureToError(run, {
    operation,
    file: display(context, path),
    recipients: metadata?.recipients,
    heldKeys: context.keys.held,
    configPath: context.configPath ? display(context, context.configPath) : undefined,
  });
}

/** The sops metadata of a file on disk, or undefined when it is not encrypted. */
export async function readMetadataFile(path: string): Promise<SopsMetadata | undefined> {
  return readSopsMetadata(await readFile(path, 'utf8'), formatOf(path));
}

/** Decrypts to memory: sops writes the plaintext to its stdout (a pipe to us), never to a file. */
export async function decryptText(
  path: string,
  context: SopsContext,
  outputType?: SopsFormat,
): Promise<string> {
  const args = ['decrypt', ...(outputType ? ['--output-type', outputType] : []), path];
  const run = await runSops(args, { keys: context.keys });
  if (run.exitCode !== 0) throw await failure(run, context, 'decrypt', path);
  return run.stdout;
}

/** Decrypts any supported format into plain data (sops converts to JSON for us; dotenv becomes a flat map). */
export async function decryptData(path: string, context: SopsContext): Promise<PlainData> {
  const json = await decryptText(path, context, 'json');
  const data: unknown = JSON.parse(json);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InfraError<SopsErrorCode>(
      'SECRETS_NOT_A_MAP',
      `${display(context, path)}: the decrypted document is not a key/value map`,
      {
        hint: 'secrets files hold a map at the top level',
      },
    );
  }
  return data as PlainData;
}

export interface EncryptOptions {
  /** Encrypt for exactly these recipients instead of the .sops.yaml rule (the per-clone demo has no rule). */
  recipients?: string[];
  /** Mode of the written file (default 0644: ciphertext). */
  mode?: number;
}

/**
 * Encrypts plaintext for the recipients .sops.yaml assigns to `path` (or `options.recipients`) and writes the
 * result there atomically. The plaintext reaches sops on stdin (`--filename-override` picks the rule and
 * format), so it never touches the disk or the command line.
 */
export async function encryptToFile(
  path: string,
  plain: PlainData | string,
  context: SopsContext,
  options: EncryptOptions = {},
): Promise<void> {
  const format = formatOf(path);
  const input = typeof plain === 'string' ? plain : serializePlain(plain, format, display(context, path));
  // Explicit recipients (the demo) need no rule: with no config of its own, sops must not pick up the
  // repository's .sops.yaml, which has no rule for it and would fail the encryption.
  const config = options.recipients && !context.configPath ? ['--config', '/dev/null'] : configArgs(context);
  const args = [
    ...config,
    'encrypt',
    '--filename-override',
    path,
    '--input-type',
    format,
    '--output-type',
    format,
    ...(options.recipients ? ['--age', options.recipients.join(',')] : []),
  ];
  const run = await runSops(args, { keys: context.keys, input });
  if (run.exitCode !== 0) throw await failure(run, context, 'encrypt', path);
  await writeFileAtomic(path, run.stdout, { mode: options.mode ?? 0o644 });
}

/** Replaces a plaintext file by its encrypted form (the plaintext is read into memory, then overwritten). */
export async function encryptFileInPlace(path: string, context: SopsContext): Promise<void> {
  const text = await readFile(path, 'utf8');
  if (readSopsMetadata(text, formatOf(path))) {
    throw new InfraError<SopsErrorCode>(
      'SOPS_ALREADY_ENCRYPTED',
      `${display(context, path)} is already encrypted`,
      {
        hint: `change it with \`./infra secrets edit ${display(context, path)}\``,
      },
    );
  }
  await encryptToFile(path, text, context);
}

/**
 * Opens the file in $SOPS_EDITOR/$EDITOR through `sops edit`, which decrypts into a 0600 file inside a fresh
 * 0700 temp directory, re-encrypts on save with the same data key and removes the directory.
 */
export async function editFile(path: string, context: SopsContext): Promise<{ changed: boolean }> {
  const run = await runSops([...configArgs(context), 'edit', path], {
    keys: context.keys,
    interactive: true,
  });
  if (run.exitCode === 0) return { changed: true };
  if (classifySopsFailure(run) === 'unchanged') return { changed: false };
  throw await failure(run, context, 'edit', path);
}

/** Re-wraps the data key for exactly the recipients .sops.yaml now assigns to the file (`updatekeys -y`). */
export async function updateKeys(path: string, context: SopsContext): Promise<{ changed: boolean }> {
  const run = await runSops([...configArgs(context), 'updatekeys', '--yes', path], { keys: context.keys });
  if (run.exitCode !== 0) throw await failure(run, context, 'updatekeys', path);
  return { changed: !/already up to date/i.test(run.stderr) };
}

/** Generates a new data key and re-encrypts every value with it, in place (`rotate -i`). */
export async function rotateDataKey(path: string, context: SopsContext): Promise<void> {
  const run = await runSops([...configArgs(context), 'rotate', '--in-place', path], { keys: context.keys });
  if (run.exitCode !== 0) throw await failure(run, context, 'rotate', path);
}
