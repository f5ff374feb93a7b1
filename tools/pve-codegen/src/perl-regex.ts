/**
 * Converts the Perl regular expressions in the Proxmox schema to JavaScript sources. Proxmox matches
 * `m/^$pattern$/`, so callers anchor the result themselves. Only the Perl-isms that occur in the schema are
 * handled; anything the conversion cannot express makes `new RegExp` throw at generation time, never later.
 */
export function perlPatternToJs(pattern: string): string {
  let out = pattern;
  // `(?^:...)` / `(?^i:...)` is how Perl stringifies qr// (caret = default flags). JS has `(?:` and `(?i:`.
  out = out.replace(/\(\?\^([a-z]*):/g, (_m, flags: string) => `(?${flags.replace(/[^ims]/g, '')}:`);
  // Perl >= 5.34 reads `{,n}` as `{0,n}`; JS would match it literally.
  out = out.replace(/\{,(\d+)\}/g, '{0,$1}');
  // `\A`, `\z`, `\Z` anchors.
  out = out.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
  new RegExp(out);
  return out;
}

/** The whole-value regex Proxmox applies: `^(?:pattern)$`. */
export function anchoredRegex(jsPattern: string): RegExp {
  return new RegExp(`^(?:${jsPattern})$`);
}
