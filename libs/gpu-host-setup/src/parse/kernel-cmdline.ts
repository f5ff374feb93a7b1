/**
 * Kernel command lines: `/proc/cmdline`, the single line of `/etc/kernel/cmdline`, the value of
 * `GRUB_CMDLINE_LINUX_DEFAULT`. Parameters are separated by spaces; double quotes protect spaces in a value.
 * The kernel treats `-` and `_` in parameter names alike, so comparisons do too.
 */
export function splitCmdline(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text.trim()) {
    if (ch === '"') quoted = !quoted;
    if (/\s/.test(ch) && !quoted) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

function canonical(token: string): string {
  const eq = token.indexOf('=');
  const name = (eq < 0 ? token : token.slice(0, eq)).replaceAll('-', '_');
  return eq < 0 ? name : `${name}${token.slice(eq)}`;
}

/** True when the exact parameter (name and value, e.g. `intel_iommu=on`) is on the command line. */
export function hasParam(tokens: readonly string[], param: string): boolean {
  const wanted = canonical(param);
  return tokens.some((token) => canonical(token) === wanted);
}

/** The values given for a parameter name (`iommu` → [`pt`]); a bare flag yields ''. */
export function paramValues(tokens: readonly string[], name: string): string[] {
  const wanted = name.replaceAll('-', '_');
  return tokens.flatMap((token) => {
    const eq = token.indexOf('=');
    const tokenName = (eq < 0 ? token : token.slice(0, eq)).replaceAll('-', '_');
    if (tokenName !== wanted) return [];
    return [eq < 0 ? '' : token.slice(eq + 1)];
  });
}
