import { stripVTControlCharacters } from 'node:util';
/**
 * Parses `<tool> fmt -check -diff` output (tofu and packer print the same shape): the file name on its own line,
 * then a unified diff `--- old/<file>` / `+++ new/<file>` with hunks. Returns one entry per unformatted file with
 * the first line that would change, so the finding points at it.
 */
export interface UnformattedFile {
  file: string;
  line?: number;
  /** The first original line that would change, trimmed (what the user should look at). */
  excerpt?: string;
}

export function parseFmtDiff(output: string): UnformattedFile[] {
  const lines = stripVTControlCharacters(output).split('\n');
  const files: UnformattedFile[] = [];
  let current: UnformattedFile | undefined;
  let oldLine = 0;
  let located = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const next = lines[i + 1] ?? '';
    if (line.startsWith('--- old/') || line.startsWith('+++ new/')) continue;
    if (next.startsWith('--- old/') && next.slice('--- old/'.length) === line.trim()) {
      current = { file: line.trim() };
      files.push(current);
      located = false;
      continue;
    }
    const hunk = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      continue;
    }
    if (!current || located) continue;
    if (line.startsWith('-') || line.startsWith('+')) {
      current.line = oldLine;
      current.excerpt = line.slice(1).trim();
      located = true;
    } else if (line.startsWith(' ')) {
      oldLine++;
    }
  }
  // Without -diff the tools print only file names, one per line.
  if (files.length === 0) {
    for (const line of lines) {
      const name = line.trim();
      if (name && !/\s/.test(name)) files.push({ file: name });
    }
  }
  return files;
}
