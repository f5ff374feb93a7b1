import { structuredPatch } from 'diff';

/**
 * A unified diff (`diff -u` format, accepted by GNU `patch`) of two texts. jsdiff computes the hunks; this file
 * only prints them the way GNU diff does (a/ and b/ names, /dev/null for a missing side, no count on one-line
 * ranges), so the plan a user reviews is exactly what `patch` would apply.
 */

function range(start: number, count: number): string {
  // GNU style: an empty range names the line before it; a one-line range has no count.
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}

/**
 * Returns '' when the texts are equal. `before`/`after` undefined means the file does not exist (shown as
 * /dev/null, like `diff -u --new-file`).
 */
export function unifiedDiff(
  path: string,
  before: string | undefined,
  after: string | undefined,
  context = 3,
): string {
  if (before === after) return '';
  const name = path.replace(/^\//, '');
  let out = `--- ${before === undefined ? '/dev/null' : `a/${name}`}\n+++ ${after === undefined ? '/dev/null' : `b/${name}`}\n`;
  const { hunks } = structuredPatch(name, name, before ?? '', after ?? '', '', '', { context });
  for (const hunk of hunks) {
    out += `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@\n`;
    for (const line of hunk.lines) out += `${line}\n`;
  }
  return out;
}
