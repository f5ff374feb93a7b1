/**
 * How go-yaml v4 (the YAML library of the Image Factory) types an untagged plain scalar. Two things depend on
 * it: decoding overlay options (`map[string]any`) and deciding whether a string can be written unquoted
 * (a string that would read back as a number, bool, null or timestamp gets quoted).
 *
 * Behaviour follows go-yaml's resolver: a fixed table for null/bool/inf/nan/-0/merge, then, for scalars that
 * start with a sign or digit, timestamp → Go `ParseInt(s, 0, 64)` → `ParseUint` → YAML-style float, all after
 * removing underscores; scalars starting with `.` are tried as Go float literals.
 */
export type ResolvedScalar =
  | { tag: 'null' }
  | { tag: 'bool'; value: boolean }
  | { tag: 'int'; value: bigint }
  | { tag: 'float'; value: number }
  | { tag: 'timestamp' }
  | { tag: 'merge' }
  | { tag: 'str' };

const FIXED: ReadonlyMap<string, ResolvedScalar> = new Map<string, ResolvedScalar>([
  ...['true', 'True', 'TRUE'].map((s) => [s, { tag: 'bool', value: true }] as const),
  ...['false', 'False', 'FALSE'].map((s) => [s, { tag: 'bool', value: false }] as const),
  ...['', '~', 'null', 'Null', 'NULL'].map((s) => [s, { tag: 'null' }] as const),
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, { tag: 'float', value: Number.NaN }] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map(
    (s) => [s, { tag: 'float', value: Number.POSITIVE_INFINITY }] as const,
  ),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, { tag: 'float', value: Number.NEGATIVE_INFINITY }] as const),
  ...['-0', '-0.0'].map((s) => [s, { tag: 'float', value: -0 }] as const),
  ['<<', { tag: 'merge' }],
]);

/** First characters for which go-yaml tries anything but "string". */
const MAP_HINTS = new Set('yYnNtTfFoO~<');
const NUMBER_HINTS = new Set('+-0123456789');

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const YAML_STYLE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** Go float literal that starts with a dot (underscores only between digits). */
const GO_DOT_FLOAT = /^\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?$/;

export function resolvePlainScalar(text: string): ResolvedScalar {
  const fixed = FIXED.get(text);
  if (fixed) return fixed;
  const first = text[0] ?? '';
  if (first === '.') {
    if (GO_DOT_FLOAT.test(text)) {
      const value = Number(text.replaceAll('_', ''));
      if (Number.isFinite(value)) return { tag: 'float', value };
    }
    return { tag: 'str' };
  }
  if (MAP_HINTS.has(first) || !NUMBER_HINTS.has(first)) return { tag: 'str' };
  if (isGoTimestamp(text)) return { tag: 'timestamp' };
  const plain = text.replaceAll('_', '');
  const int = parseGoInt(plain);
  if (int !== undefined && int >= INT64_MIN && int <= INT64_MAX) return { tag: 'int', value: int };
  if (int !== undefined && int >= 0n && int <= UINT64_MAX && !/^[-+]/.test(plain))
    return { tag: 'int', value: int };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const value = Number(plain);
    if (Number.isFinite(value)) return { tag: 'float', value };
  }
  return { tag: 'str' };
}

/** Go `strconv.ParseInt(s, 0, ...)` syntax (without range check): sign, then 0x / 0o / 0b / leading-0 octal / decimal. */
function parseGoInt(text: string): bigint | undefined {
  const match = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign, body = ''] = match;
  let magnitude: bigint;
  const prefix = body.slice(0, 2).toLowerCase();
  if (prefix === '0x' || prefix === '0b') magnitude = BigInt(`0${prefix[1]}${body.slice(2)}`);
  else if (prefix === '0o') magnitude = BigInt(`0o${body.slice(2)}`);
  else if (body.length > 1 && body.startsWith('0')) magnitude = BigInt(`0o${body.slice(1)}`);
  else magnitude = BigInt(body);
  return sign === '-' ? -magnitude : magnitude;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const max = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return day <= max;
}

/** The four layouts go-yaml accepts as timestamps (Go `time.Parse` with 1–2 digit month/day/h/m/s fields). */
export function isGoTimestamp(text: string): boolean {
  const match =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:([Tt])|( ))(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?(Z|[-+]\d{2}:\d{2})?)?$/.exec(
      text,
    );
  if (!match) return false;
  const [, y, mo, d, t, space, h, mi, s, zone] = match;
  if (!validDate(Number(y), Number(mo), Number(d))) return false;
  if (h === undefined) return true;
  // RFC 3339 layouts need a zone; the space-separated layout must not have one.
  if (t !== undefined && zone === undefined) return false;
  if (space !== undefined && zone !== undefined) return false;
  if (zone !== undefined && zone !== 'Z') {
    const [zh, zm] = zone.slice(1).split(':').map(Number);
    if ((zh ?? 99) > 23 || (zm ?? 99) > 59) return false;
  }
  return Number(h) < 24 && Number(mi) < 60 && Number(s) < 60;
}

/** Go `strconv.FormatFloat(f, 'g', -1, 64)`, with go-yaml's names for the specials. */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Number.POSITIVE_INFINITY) return '.inf';
  if (value === Number.NEGATIVE_INFINITY) return '-.inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const sign = value < 0 ? '-' : '';
  const [mantissa = '', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const exponent = Number(exponentText);
  const digits = mantissa.replace('.', '');
  // Shortest formatting uses %e when the exponent is < -4 or >= 6 (Go's eprec for shortest).
  if (exponent < -4 || exponent >= 6) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const expSign = exponent < 0 ? '-' : '+';
    return `${sign}${digits[0]}${fraction}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fracPart = digits.slice(exponent + 1);
  return `${sign}${intPart}${fracPart ? `.${fracPart}` : ''}`;
}
