import { InfraError } from '@infra/core';
import type { SopsErrorCode } from './error-codes';
import type { SopsRun } from './sops-binary';

/** What went wrong, told apart from sops' stderr and exit code (codes from sops' cmd/sops/codes). */
export type SopsFailureKind =
  | 'not-encrypted'
  | 'mac-mismatch'
  | 'no-key'
  | 'no-creation-rule'
  | 'config'
  | 'already-encrypted'
  | 'unchanged'
  | 'parse'
  | 'other';

const EXIT_MAC_MISMATCH = 51;
const EXIT_COULD_NOT_RETRIEVE_KEY = 128;
const EXIT_FILE_NOT_MODIFIED = 200;
const EXIT_FILE_ALREADY_ENCRYPTED = 203;

export function classifySopsFailure(run: Pick<SopsRun, 'exitCode' | 'stderr'>): SopsFailureKind {
  const text = run.stderr;
  if (run.exitCode === EXIT_FILE_NOT_MODIFIED || /File has not changed/i.test(text)) return 'unchanged';
  if (/sops metadata not found/i.test(text)) return 'not-encrypted';
  if (run.exitCode === EXIT_FILE_ALREADY_ENCRYPTED || /already encrypted/i.test(text))
    return 'already-encrypted';
  if (
    /MAC mismatch|Cannot decrypt MAC|message authentication failed/i.test(text) ||
    run.exitCode === EXIT_MAC_MISMATCH
  ) {
    return 'mac-mismatch';
  }
  if (/no matching creation rules/i.test(text)) return 'no-creation-rule';
  if (
    /Failed to get the data key|no master key was able to decrypt/i.test(text) ||
    run.exitCode === EXIT_COULD_NOT_RETRIEVE_KEY
  ) {
    return 'no-key';
  }
  if (/error loading config|error parsing config/i.test(text)) return 'config';
  if (/Error unmarshalling|could not unmarshal|Error parsing|invalid character|yaml: line/i.test(text))
    return 'parse';
  return 'other';
}

export interface FailureContext {
  operation: 'decrypt' | 'encrypt' | 'edit' | 'updatekeys' | 'rotate';
  /** The file as the user knows it (repo-relative where possible). */
  file: string;
  /** Recipients the file is encrypted for, read from its metadata (for "no key" errors). */
  recipients?: string[] | undefined;
  /** Public keys of the identities we offered sops, and where they came from. */
  heldKeys?: { recipient: string; source: string }[] | undefined;
  /** The .sops.yaml in use, for creation-rule errors. */
  configPath?: string | undefined;
}

/**
 * Turns a failed sops run into the InfraError a person can act on. sops' own stderr is attached (redacted by
 * the printer) only for operations whose input is ciphertext: a parse error on plaintext input could quote it.
 */
export function sopsFailureToError(run: SopsRun, context: FailureContext): InfraError {
  const kind = classifySopsFailure(run);
  const { file } = context;
  const ciphertextInput = context.operation !== 'encrypt' && context.operation !== 'edit';
  const stderrDetail = ciphertextInput ? firstLines(run.stderr, 6) : undefined;
  const details = { exitCode: run.exitCode, kind, ...(stderrDetail ? { sops: stderrDetail } : {}) };
  switch (kind) {
    case 'not-encrypted':
      return new InfraError<SopsErrorCode>(
        'SOPS_NOT_ENCRYPTED',
        `${file} is not encrypted: it has no sops metadata`,
        {
          hint: 'encrypt it with `./infra secrets init` (encrypts plaintext files under secrets/), and never commit it in plaintext',
          details,
        },
      );
    case 'mac-mismatch':
      return new InfraError<SopsErrorCode>(
        'SOPS_MAC_MISMATCH',
        `${file} failed its integrity check (MAC mismatch): it was changed outside sops or tampered with`,
        {
          hint: `restore it from git (\`git restore ${file}\`) and make changes with \`./infra secrets edit ${file}\``,
          details,
        },
      );
    case 'no-key':
      return noKeyError(context, details);
    case 'no-creation-rule':
      return new InfraError<SopsErrorCode>(
        'SOPS_NO_CREATION_RULE',
        `${context.configPath ?? '.sops.yaml'} has no creation rule whose path_regex matches ${file}`,
        {
          hint: 'run `./infra secrets init` (adds a rule for secrets/*.enc.{yaml,json,env} with your key), or add a creation rule for this path',
          details,
        },
      );
    case 'config':
      return new InfraError<SopsErrorCode>(
        'SOPS_CONFIG',
        `sops could not load ${context.configPath ?? '.sops.yaml'}: ${firstLines(run.stderr, 2)}`,
        {
          hint: 'fix the file, or rewrite it with `./infra secrets init`',
          details,
        },
      );
    case 'already-encrypted':
      return new InfraError<SopsErrorCode>('SOPS_ALREADY_ENCRYPTED', `${file} is already encrypted`, {
        hint: `change it with \`./infra secrets edit ${file}\``,
        details,
      });
    case 'parse':
      return new InfraError<SopsErrorCode>(
        'SOPS_PARSE',
        `sops could not parse ${file} (${context.operation})`,
        {
          hint: 'check that the content matches the file extension (.yaml, .json or .env)',
          details,
        },
      );
    default:
      return new InfraError<SopsErrorCode>(
        'SOPS_FAILED',
        `sops ${context.operation} failed for ${file} (exit code ${run.exitCode})${stderrDetail ? `: ${firstLines(run.stderr, 1)}` : ''}`,
        {
          hint: 'rerun with INFRA_DEBUG=1 for details',
          details,
        },
      );
  }
}

function noKeyError(context: FailureContext, details: Record<string, unknown>): InfraError {
  const recipients = context.recipients ?? [];
  const held = context.heldKeys ?? [];
  const encryptedFor = recipients.length > 0 ? recipients.join(', ') : '(no age recipients in its metadata)';
  const yours =
    held.length > 0 ? held.map((key) => `${key.recipient} (${key.source})`).join(', ') : 'none found';
  const hint =
    held.length === 0
      ? 'create your key with `./infra secrets init` (or set SOPS_AGE_KEY_FILE), then ask someone who can read the file to run `./infra secrets add-recipient <your age1... key>`'
      : `ask someone who can read it to run \`./infra secrets add-recipient ${held[0]!.recipient}\``;
  return new InfraError<SopsErrorCode>(
    'SOPS_NO_KEY',
    `none of your age keys can decrypt ${context.file}. It is encrypted for: ${encryptedFor}. Your keys: ${yours}`,
    { hint, details: { ...details, recipients, heldKeys: held.map((key) => key.recipient) } },
  );
}

function firstLines(text: string, count: number): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !/^\d{4}\/\d\d\/\d\d /.test(line))
    .slice(0, count)
    .join(' ');
}
