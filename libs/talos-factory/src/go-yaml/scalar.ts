import { resolvePlainScalar } from './resolve';

/**
 * How go-yaml v4 (libyaml's emitter, block context, unlimited width, unicode on) writes a Go string.
 *
 * 1. A string with a newline is a literal block (`|`, `|-`, `|+`) if it has a non-space character, else
 *    double-quoted.
 * 2. YAML 1.1 booleans (`yes`, `on`, `n`, ...), base-60 floats (`1:30`) and `<<` are single-quoted.
 * 3. Otherwise plain, unless it would read back as another type (`true`, `12`, `""`, `2024-01-02`): then quoted.
 * 4. The emitter's own analysis then demotes styles: plain → single-quoted when the text starts with an
 *    indicator, has leading/trailing spaces, `: ` or ` #`; single → double-quoted when it contains tabs, control
 *    characters, non-printables or a space before a line break; literal → double-quoted for trailing spaces,
 *    a space before a line break or special characters (and always inside a mapping key).
 */
export type ScalarStyle = 'plain' | 'single' | 'double' | 'literal';

interface Analysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

const isBreak = (cp: number) => cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
const isSpace = (cp: number) => cp === 0x20;
const isBlankOrEnd = (cp: number | undefined) =>
  cp === undefined || cp === 0x20 || cp === 0x09 || isBreak(cp) || cp === 0;

/** libyaml's `is_printable` (by code point; 4-byte UTF-8 characters count as non-printable). */
export function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}

/** Port of the decision table in libyaml's `yaml_emitter_analyze_scalar` (not of its code). */
function analyze(value: string): Analysis {
  if (value.length === 0) {
    return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  }
  const cps = Array.from(value, (c) => c.codePointAt(0) ?? 0);
  let blockIndicators = value.startsWith('---') || value.startsWith('...');
  let lineBreaks = false;
  let special = false;
  let tabs = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;

  cps.forEach((cp, i) => {
    const followedByWhitespace = isBlankOrEnd(cps[i + 1]);
    const ch = String.fromCodePoint(cp);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      else if ((ch === '?' || ch === ':') && followedByWhitespace) blockIndicators = true;
      else if (ch === '-' && followedByWhitespace) blockIndicators = true;
    } else if (ch === ':' && followedByWhitespace) blockIndicators = true;
    else if (ch === '#' && precededByWhitespace) blockIndicators = true;

    if (cp === 0x09) tabs = true;
    else if (!isPrintable(cp)) special = true;

    if (isSpace(cp)) {
      if (i === 0) leadingSpace = true;
      if (i === cps.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(cp)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === cps.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankOrEnd(cp);
  });

  let blockPlainAllowed = true;
  let singleQuotedAllowed = true;
  let blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlainAllowed = false;
  if (trailingSpace) blockAllowed = false;
  if (breakSpace) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || tabs || special) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || special) blockAllowed = false;
  if (lineBreaks) blockPlainAllowed = false;
  if (blockIndicators) blockPlainAllowed = false;
  return { multiline: lineBreaks, blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const OLD_BOOLS = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'on',
  'On',
  'ON',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'off',
  'Off',
  'OFF',
]);

function hasNonSpace(value: string): boolean {
  return /[^\s\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u.test(value);
}

/** The style go-yaml picks for a Go string in block context. `asKey` is the simple-key context of a mapping key. */
export function chooseStringStyle(value: string, asKey = false): ScalarStyle {
  let style: ScalarStyle;
  if (value.includes('\n')) {
    style = value.length >= 2 && hasNonSpace(value) ? 'literal' : 'double';
  } else if (
    OLD_BOOLS.has(value) ||
    value === '<<' ||
    (/^[-+0-9]/.test(value) && value.includes(':') && BASE60_FLOAT.test(value))
  ) {
    style = 'single';
  } else if (resolvePlainScalar(value).tag !== 'str') {
    style = 'double';
  } else {
    style = 'plain';
  }
  const analysis = analyze(value);
  if (asKey && analysis.multiline) style = 'double';
  if (style === 'plain') {
    if (!analysis.blockPlainAllowed) style = 'single';
    if (value.length === 0 && asKey) style = 'single';
  }
  if (style === 'single' && !analysis.singleQuotedAllowed) style = 'double';
  if (style === 'literal' && (!analysis.blockAllowed || asKey)) style = 'double';
  return style;
}

const SHORT_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x00, '0'],
  [0x07, 'a'],
  [0x08, 'b'],
  [0x09, 't'],
  [0x0a, 'n'],
  [0x0b, 'v'],
  [0x0c, 'f'],
  [0x0d, 'r'],
  [0x1b, 'e'],
  [0x22, '"'],
  [0x5c, '\\'],
  [0x85, 'N'],
  [0xa0, '_'],
  [0x2028, 'L'],
  [0x2029, 'P'],
]);

export function doubleQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    const mustEscape = !isPrintable(cp) || cp === 0xfeff || isBreak(cp) || cp === 0x22 || cp === 0x5c;
    if (!mustEscape) {
      out += ch;
      continue;
    }
    const short = SHORT_ESCAPES.get(cp);
    if (short !== undefined) out += `\\${short}`;
    else if (cp <= 0xff) out += `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`;
  }
  return `${out}"`;
}

/**
 * Single-quoted: `'` doubles. A Unicode line or paragraph separator (U+2028/9) is written as-is and, like any
 * line break in libyaml, the text after it is re-indented to the scalar's indentation.
 */
export function singleQuote(value: string, indent = 0): string {
  let out = "'";
  let afterBreak = false;
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0x2028 || cp === 0x2029) {
      out += ch;
      afterBreak = true;
      continue;
    }
    if (afterBreak) out += ' '.repeat(indent);
    afterBreak = false;
    out += ch === "'" ? "''" : ch;
  }
  return `${out}'`;
}

/**
 * A literal block scalar: the header (`|`, `|-`, `|+`, with an indentation digit when the text starts with a
 * space) and the body. Text after each line break is indented to `bodyIndent`; empty lines carry no
 * indentation. The body ends with a newline unless the text ends with U+2028/9 (libyaml quirk: the next line
 * then continues right after it).
 */
export function literalBlock(value: string, bodyIndent: number): { header: string; body: string } {
  const cps = Array.from(value, (c) => c.codePointAt(0) ?? 0);
  const indentHint = value.startsWith(' ') ? '4' : '';
  const last = cps.at(-1);
  let chomp = '';
  if (last === undefined || !isBreak(last)) chomp = '-';
  else if (cps.length === 1 || isBreak(cps.at(-2) ?? 0)) chomp = '+';
  const pad = ' '.repeat(bodyIndent);
  let body = '';
  let atLineStart = true;
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0x0a) {
      body += '\n';
      atLineStart = true;
    } else if (isBreak(cp)) {
      body += ch;
      atLineStart = true;
    } else {
      if (atLineStart) body += pad;
      body += ch;
      atLineStart = false;
    }
  }
  if (!atLineStart) body += '\n';
  return { header: `|${indentHint}${chomp}`, body };
}

/** Renders a single-line scalar in the given style (literal is handled by the emitter). */
export function renderInline(value: string, style: Exclude<ScalarStyle, 'literal'>, indent = 0): string {
  if (style === 'plain') return value;
  if (style === 'single') return singleQuote(value, indent);
  return doubleQuote(value);
}
