/**
 * A tolerant HCL (Terraform / Packer) tokenizer: enough to find blocks, attributes and string literals.
 * It never throws: an unterminated string ends at its line, an unterminated heredoc or comment at the end of
 * the file. The real tool reports syntax errors far better than we could; the graph should still be built.
 */
export type HclToken =
  | { kind: 'ident'; value: string; line: number }
  | { kind: 'string'; value: string; line: number }
  | { kind: 'heredoc'; value: string; line: number }
  | { kind: 'number'; value: string; line: number }
  | { kind: 'punct'; value: string; line: number }
  | { kind: 'newline'; line: number };

export function tokenizeHcl(text: string): HclToken[] {
  const tokens: HclToken[] = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') {
      tokens.push({ kind: 'newline', line });
      line++;
      i++;
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
    } else if (ch === '#' || (ch === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      line += countNewlines(text, i, stop);
      i = stop;
    } else if (ch === '"') {
      const scanned = _scanQuoted(text, i);
      tokens.push({ kind: 'string', value: scanned.value, line });
      line += countNewlines(text, i, scanned.end);
      i = scanned.end;
    } else if (ch === '<' && text[i + 1] === '<' && /[-A-Za-z_]/.test(text[i + 2] ?? '')) {
      const heredoc = _scanHeredoc(text, i);
      if (!heredoc) {
        tokens.push({ kind: 'punct', value: '<', line });
        i++;
        continue;
      }
      tokens.push({ kind: 'heredoc', value: heredoc.value, line });
      line += countNewlines(text, i, heredoc.end);
      i = heredoc.end;
    } else if (/[A-Za-z_]/.test(ch)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_-]/.test(text[i]!)) i++;
      tokens.push({ kind: 'ident', value: text.slice(start, i), line });
    } else if (/[0-9]/.test(ch)) {
      const start = i;
      while (i < text.length && /[0-9.eE]/.test(text[i]!)) i++;
      tokens.push({ kind: 'number', value: text.slice(start, i), line });
    } else {
      tokens.push({ kind: 'punct', value: ch, line });
      i++;
    }
  }
  return tokens;
}

// --- internal ---

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) if (text[k] === '\n') n++;
  return n;
}

/**
 * Scans a quoted template starting at `start` (the opening quote). Interpolations (`${…}`, `%{…}`) are kept
 * verbatim in the value and may contain nested quoted strings; `$${` and `%%{` are literal escapes.
 */
function _scanQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\') {
      value += _unescape(text[i + 1] ?? '');
      i += 2;
    } else if (ch === '"') {
      return { value, end: i + 1 };
    } else if ((ch === '$' || ch === '%') && text[i + 1] === ch && text[i + 2] === '{') {
      value += `${ch}{`;
      i += 3;
    } else if ((ch === '$' || ch === '%') && text[i + 1] === '{') {
      const end = _scanInterpolation(text, i + 2);
      value += text.slice(i, end);
      i = end;
    } else if (ch === '\n') {
      // Quoted templates cannot span lines: treat the string as unterminated.
      return { value, end: i };
    } else {
      value += ch;
      i++;
    }
  }
  return { value, end: i };
}

/** Returns the index just past the `}` closing an interpolation whose body starts at `start`. */
function _scanInterpolation(text: string, start: number): number {
  let depth = 1;
  let i = start;
  while (i < text.length && depth > 0) {
    const ch = text[i]!;
    if (ch === '"') {
      i = _scanQuoted(text, i).end;
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    i++;
  }
  return i;
}

function _unescape(ch: string): string {
  switch (ch) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    default:
      return ch;
  }
}

function _scanHeredoc(text: string, start: number): { value: string; end: number } | undefined {
  const header = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(text.slice(start, start + 200));
  if (!header) return undefined;
  const marker = header[2]!;
  let i = start + header[0].length;
  const bodyStart = i;
  while (i < text.length) {
    const lineEnd = text.indexOf('\n', i);
    const stop = lineEnd === -1 ? text.length : lineEnd;
    if (text.slice(i, stop).trim() === marker) {
      return { value: text.slice(bodyStart, i), end: stop };
    }
    i = stop + 1;
  }
  return { value: text.slice(bodyStart), end: text.length };
}
