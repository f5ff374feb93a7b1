/**
 * The order go-yaml gives string keys of a Go map when it marshals it ("natural" order): runs of digits
 * compare as numbers (`a9` < `a10`), letters compare by code point (so uppercase before lowercase), and a
 * non-letter sorts before a letter, except right after an equal digit, where a letter comes first.
 */
const isLetter = (ch: string) => /^\p{L}$/u.test(ch);
const isDigit = (ch: string) => /^\p{Nd}$/u.test(ch);
const ZERO = '0'.codePointAt(0) ?? 48;

/** Go accumulates digit runs in an int64 (wrapping); the digit value is `rune - '0'` even for non-ASCII digits. */
function digitRun(chars: readonly string[], start: number, seed: bigint): { value: bigint; end: number } {
  let value = seed;
  let end = start;
  while (end < chars.length && isDigit(chars[end] ?? '')) {
    value = BigInt.asIntN(64, value * 10n + BigInt((chars[end]?.codePointAt(0) ?? ZERO) - ZERO));
    end++;
  }
  return { value, end };
}

export function naturalKeyLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] ?? '';
    const bc = br[i] ?? '';
    if (ac === bc) {
      digits = isDigit(ac);
      continue;
    }
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return (ac.codePointAt(0) ?? 0) < (bc.codePointAt(0) ?? 0);
    if (al || bl) return digits ? al : bl;
    // Both non-letters: compare the digit runs starting here. A run that starts with 0 right after a non-zero
    // digit continues a number ("10" vs "1x"), so it gets a non-zero seed.
    let seed = 0n;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j] ?? ''); j--) {
        if (ar[j] !== '0') {
          seed = 1n;
          break;
        }
      }
    }
    const an = digitRun(ar, i, seed);
    const bn = digitRun(br, i, seed);
    if (an.value !== bn.value) return an.value < bn.value;
    if (an.end !== bn.end) return an.end < bn.end;
    return (ac.codePointAt(0) ?? 0) < (bc.codePointAt(0) ?? 0);
  }
  return ar.length < br.length;
}

export function sortKeysNaturally(keys: Iterable<string>): string[] {
  return [...keys].sort((x, y) => (naturalKeyLess(x, y) ? -1 : naturalKeyLess(y, x) ? 1 : 0));
}
