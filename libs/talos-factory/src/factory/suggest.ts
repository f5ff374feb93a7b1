/** Levenshtein distance (small strings: extension and version names). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * Up to `limit` candidates close to `wanted`: substring matches first (either way, ignoring an `owner/`
 * prefix), then by edit distance within a third of the length.
 */
export function closeMatches(wanted: string, candidates: readonly string[], limit = 3): string[] {
  const bare = (s: string) => s.slice(s.indexOf('/') + 1).toLowerCase();
  const w = bare(wanted);
  const scored = candidates
    .map((c) => {
      const b = bare(c);
      const contains = b.includes(w) || w.includes(b);
      return { c, score: contains ? 0 : editDistance(w, b) };
    })
    .filter((x) => x.score === 0 || x.score <= Math.max(2, Math.floor(w.length / 3)))
    .sort((x, y) => x.score - y.score || x.c.localeCompare(y.c));
  return scored.slice(0, limit).map((x) => x.c);
}
