/**
 * A unified diff (`diff -u` format, accepted by `patch`) of two texts. Small and exact rather than fast: the
 * files this tool edits have tens of lines. Lines are compared with their line ending, so a missing final
 * newline shows up as a change and gets the `\ No newline at end of file` marker.
 */
interface Line {
  text: string;
  newline: boolean;
}

type Op = { kind: 'equal' | 'delete' | 'insert'; line: Line };

function splitLines(content: string): Line[] {
  if (content === '') return [];
  const parts = content.split('\n');
  const endsWithNewline = parts.at(-1) === '';
  if (endsWithNewline) parts.pop();
  return parts.map((text, index) => ({ text, newline: endsWithNewline || index < parts.length - 1 }));
}

const same = (a: Line, b: Line) => a.text === b.text && a.newline === b.newline;

/** Edit script by longest common subsequence, after trimming the common prefix and suffix. */
function editScript(a: Line[], b: Line[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && same(a[start]!, b[start]!)) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && same(a[endA - 1]!, b[endB - 1]!)) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  // lcs[i][j] = LCS length of midA[i..] and midB[j..]
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[at(i, j)] = same(midA[i]!, midB[j]!)
        ? lcs[at(i + 1, j + 1)]! + 1
        : Math.max(lcs[at(i + 1, j)]!, lcs[at(i, j + 1)]!);
    }
  }
  const ops: Op[] = a.slice(0, start).map((line) => ({ kind: 'equal', line }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && same(midA[i]!, midB[j]!)) {
      ops.push({ kind: 'equal', line: midA[i++]! });
      j++;
    } else if (j >= m || (i < n && lcs[at(i + 1, j)]! >= lcs[at(i, j + 1)]!)) {
      ops.push({ kind: 'delete', line: midA[i++]! });
    } else {
      ops.push({ kind: 'insert', line: midB[j++]! });
    }
  }
  for (const line of a.slice(endA)) ops.push({ kind: 'equal', line });
  return ops;
}

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
  const ops = editScript(splitLines(before ?? ''), splitLines(after ?? ''));
  const changed = ops.map((op, index) => (op.kind === 'equal' ? -1 : index)).filter((index) => index >= 0);
  const name = path.replace(/^\//, '');
  const header = `--- ${before === undefined ? '/dev/null' : `a/${name}`}\n+++ ${after === undefined ? '/dev/null' : `b/${name}`}\n`;
  if (changed.length === 0) return header; // only possible when one side is an empty file and the other absent

  // Group changes whose context windows touch into hunks.
  const hunks: [number, number][] = [];
  for (const index of changed) {
    const last = hunks.at(-1);
    if (last && index - last[1] <= 2 * context) last[1] = index;
    else hunks.push([index, index]);
  }
  // Line numbers before each op.
  const oldLine: number[] = [];
  const newLine: number[] = [];
  let o = 1;
  let nw = 1;
  for (const op of ops) {
    oldLine.push(o);
    newLine.push(nw);
    if (op.kind !== 'insert') o++;
    if (op.kind !== 'delete') nw++;
  }
  let out = header;
  for (const [first, last] of hunks) {
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, last + context);
    const slice = ops.slice(from, to + 1);
    const oldCount = slice.filter((op) => op.kind !== 'insert').length;
    const newCount = slice.filter((op) => op.kind !== 'delete').length;
    out += `@@ -${range(oldLine[from]!, oldCount)} +${range(newLine[from]!, newCount)} @@\n`;
    for (const op of slice) {
      const sign = op.kind === 'equal' ? ' ' : op.kind === 'delete' ? '-' : '+';
      out += `${sign}${op.line.text}\n`;
      if (!op.line.newline) out += '\\ No newline at end of file\n';
    }
  }
  return out;
}
