import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './unified-diff';

/** Applies a diff with GNU patch in a scratch dir and returns the patched file (undefined when removed). */
function applyWithPatch(before: string | undefined, diff: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'infra-diff-'));
  if (before !== undefined) writeFileSync(join(dir, 'f'), before);
  const rewritten = diff.replace(/^(---|\+\+\+) [ab]\/\S+/gm, '$1 f');
  try {
    execFileSync('patch', ['-s', '-p0', '-d', dir, '-E', '-i', '-'], { input: rewritten });
    return existsSync(join(dir, 'f')) ? readFileSync(join(dir, 'f'), 'utf8') : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('/etc/x', 'a\n', 'a\n')).toBe('');
  });

  it('writes the exact GNU format for a one-line change', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const after = 'a\nb\nc\nd\nE\nf\ng\nh\n';
    expect(unifiedDiff('/etc/default/grub', before, after)).toBe(
      '--- a/etc/default/grub\n+++ b/etc/default/grub\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n',
    );
  });

  it('shows created and deleted files against /dev/null', () => {
    expect(unifiedDiff('/etc/modprobe.d/x.conf', undefined, 'one\ntwo\n')).toBe(
      '--- /dev/null\n+++ b/etc/modprobe.d/x.conf\n@@ -0,0 +1,2 @@\n+one\n+two\n',
    );
    expect(unifiedDiff('/etc/x', 'one\n', undefined)).toBe(
      '--- a/etc/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-one\n',
    );
  });

  it('marks a missing final newline', () => {
    expect(unifiedDiff('/etc/kernel/cmdline', 'root=ZFS=rpool boot=zfs', 'root=ZFS=rpool boot=zfs\n')).toBe(
      '--- a/etc/kernel/cmdline\n+++ b/etc/kernel/cmdline\n@@ -1 +1 @@\n-root=ZFS=rpool boot=zfs\n\\ No newline at end of file\n+root=ZFS=rpool boot=zfs\n',
    );
  });

  it('round-trips through GNU patch on random edits, with separate and merged hunks', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 60; round++) {
      const lines = Array.from({ length: 5 + random(40) }, (_, i) => `line ${i} ${random(3)}`);
      const edited = [...lines];
      for (let edits = random(6); edits >= 0; edits--) {
        const at = random(edited.length + 1);
        const kind = random(3);
        if (kind === 0) edited.splice(at, 1);
        else if (kind === 1) edited.splice(at, 0, `new ${round}.${edits}`);
        else edited[at] = `changed ${round}.${edits}`;
      }
      const before = `${lines.join('\n')}${random(4) === 0 ? '' : '\n'}`;
      const after = `${edited.join('\n')}${random(4) === 0 ? '' : '\n'}`;
      const diff = unifiedDiff('/etc/f', before, after);
      if (before === after) continue;
      expect(applyWithPatch(before, diff), diff).toBe(after);
    }
  });

  it('round-trips creation and deletion through GNU patch', () => {
    expect(applyWithPatch(undefined, unifiedDiff('/etc/f', undefined, 'x\ny\n'))).toBe('x\ny\n');
    expect(applyWithPatch('x\ny\n', unifiedDiff('/etc/f', 'x\ny\n', undefined))).toBeUndefined();
  });
});
