import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { SopsFormat } from './formats';
import { isEncryptedValue, type LeafSelection } from './metadata';

/** A value or comment left in plaintext inside an encrypted document. Carries its location, never its text. */
export interface PlaintextLeaf {
  kind: 'value' | 'comment';
  /** Key path like `proxmox.tokenSecret` or `admin.sshPublicKeys[0]` (empty for a top-level comment). */
  path: string;
  line: number;
}

/**
 * Finds the leaves sops should have encrypted but that are plaintext: someone pasted a value into an
 * encrypted file by hand, or wrote a comment next to one. Leaves that the file's own metadata exempts
 * (`unencrypted_suffix`, `encrypted_regex`, ...) are accepted; null and empty values carry nothing to hide.
 */
export function findPlaintextLeaves(
  text: string,
  format: SopsFormat,
  selection: LeafSelection = {},
): PlaintextLeaf[] {
  const leaves =
    format === 'dotenv'
      ? dotenvLeaves(text, selection)
      : structuredLeaves(text, selection, format === 'yaml');
  return leaves.sort((a, b) => a.line - b.line);
}

/** sops' rule for which leaves stay plaintext on purpose, applied to a leaf's key path. */
export function exemptFromEncryption(keys: readonly string[], selection: LeafSelection): boolean {
  if (selection.unencryptedSuffix && keys.some((key) => key.endsWith(selection.unencryptedSuffix!)))
    return true;
  if (selection.encryptedSuffix) return !keys.some((key) => key.endsWith(selection.encryptedSuffix!));
  if (selection.unencryptedRegex && keys.some((key) => new RegExp(selection.unencryptedRegex!).test(key)))
    return true;
  if (selection.encryptedRegex) return !keys.some((key) => new RegExp(selection.encryptedRegex!).test(key));
  return false;
}

function commentsExempt(selection: LeafSelection): boolean {
  return Boolean(selection.unencryptedCommentRegex || selection.encryptedCommentRegex);
}

function structuredLeaves(text: string, selection: LeafSelection, hasComments: boolean): PlaintextLeaf[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, keepSourceTokens: false });
  const leaves: PlaintextLeaf[] = [];
  const lineOf = (node: Node) => lineCounter.linePos(node.range?.[0] ?? 0).line;

  const walk = (node: unknown, keys: string[], label: string) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (keys.length === 0 && key === 'sops') continue;
        walk(pair.value, [...keys, key], label ? `${label}.${key}` : key);
      }
    } else if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) walk(item, keys, `${label}[${index}]`);
    } else if (isScalar(node)) {
      const value = node.value;
      if (value === null || value === '') return;
      if (typeof value === 'string' && isEncryptedValue(value)) return;
      if (exemptFromEncryption(keys, selection)) return;
      leaves.push({ kind: 'value', path: label, line: lineOf(node) });
    }
  };
  walk(document.contents, [], '');

  if (hasComments && !commentsExempt(selection))
    leaves.push(...commentLines(text, '', sopsSectionStart(text)));
  return leaves;
}

/** Line index where the top-level `sops:` section starts (its armored keys are not comments). */
function sopsSectionStart(text: string): number {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => /^"?sops"?\s*:/.test(line));
  return index === -1 ? lines.length : index;
}

/** Comments sops did not encrypt: a `#` at line start or after whitespace, not followed by `ENC[`. */
function commentLines(text: string, path: string, stopAt: number): PlaintextLeaf[] {
  const leaves: PlaintextLeaf[] = [];
  text.split('\n').forEach((line, index) => {
    if (index >= stopAt) return;
    const comment = /(?:^|\s)#(.*)$/.exec(line);
    if (comment && !comment[1]!.startsWith('ENC[AES256_GCM,'))
      leaves.push({ kind: 'comment', path, line: index + 1 });
  });
  return leaves;
}

function dotenvLeaves(text: string, selection: LeafSelection): PlaintextLeaf[] {
  const leaves: PlaintextLeaf[] = [];
  text.split('\n').forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '') return;
    if (trimmed.startsWith('#')) {
      if (!commentsExempt(selection) && !trimmed.startsWith('#ENC[AES256_GCM,')) {
        leaves.push({ kind: 'comment', path: '', line: index + 1 });
      }
      return;
    }
    const match = /^([^=]+)=(.*)$/.exec(trimmed);
    if (!match) return;
    const key = match[1]!.trim();
    const value = match[2]!;
    if (key.startsWith('sops_') || value === '' || isEncryptedValue(value)) return;
    if (exemptFromEncryption([key], selection)) return;
    leaves.push({ kind: 'value', path: key, line: index + 1 });
  });
  return leaves;
}
