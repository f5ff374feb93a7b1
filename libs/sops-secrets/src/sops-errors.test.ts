import { describe, expect, it } from 'vitest';
import { classifySopsFailure, sopsFailureToError } from './sops-errors';

// stderr texts as sops 3.13.2 prints them (captured from real runs).
const NO_KEY = `Failed to get the data key required to decrypt the SOPS file.\n\nGroup 0: FAILED\n  age1abc: FAILED\n    - | failed to create reader for decrypting sops data key with\n      | age: identity did not match any of the recipients\n\nRecovery failed because no master key was able to decrypt the file.`;

describe('classifySopsFailure', () => {
  it.each([
    [{ exitCode: 128, stderr: NO_KEY }, 'no-key'],
    [{ exitCode: 51, stderr: 'MAC mismatch. File has 6264, computed 4A48' }, 'mac-mismatch'],
    [
      {
        exitCode: 51,
        stderr: 'Cannot decrypt MAC: Could not decrypt with AES_GCM: cipher: message authentication failed',
      },
      'mac-mismatch',
    ],
    [
      {
        exitCode: 25,
        stderr:
          'Error decrypting tree: Error walking tree: Could not decrypt value: Could not decrypt with AES_GCM: cipher: message authentication failed',
      },
      'mac-mismatch',
    ],
    [{ exitCode: 1, stderr: 'sops metadata not found' }, 'not-encrypted'],
    [{ exitCode: 1, stderr: 'error loading config: no matching creation rules found' }, 'no-creation-rule'],
    [{ exitCode: 200, stderr: 'File has not changed, exiting.' }, 'unchanged'],
    [
      {
        exitCode: 203,
        stderr: "The file you have provided contains a top-level entry called 'sops'... already encrypted",
      },
      'already-encrypted',
    ],
    [{ exitCode: 3, stderr: 'something odd' }, 'other'],
  ] as const)('%j → %s', (run, kind) => {
    expect(classifySopsFailure(run)).toBe(kind);
  });
});

describe('sopsFailureToError', () => {
  it('keeps stderr out of errors for operations whose input was plaintext', () => {
    const error = sopsFailureToError(
      { exitCode: 3, stdout: '', stderr: 'yaml: line 1: could not find expected ":" near "hunter2"' },
      { operation: 'encrypt', file: 'x.enc.yaml' },
    );
    expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain('hunter2');
  });

  it('tells a user with no key at all to create one first', () => {
    const error = sopsFailureToError(
      { exitCode: 128, stdout: '', stderr: NO_KEY },
      { operation: 'decrypt', file: 'secrets/prod.enc.yaml', recipients: ['age1abc'], heldKeys: [] },
    );
    expect(error.code).toBe('SOPS_NO_KEY');
    expect(error.message).toBe(
      'none of your age keys can decrypt secrets/prod.enc.yaml. It is encrypted for: age1abc. Your keys: none found',
    );
    expect(error.hint).toContain('./infra secrets init');
  });
});
