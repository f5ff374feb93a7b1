import type { ParamSpec, PropertyStringFormat, PropertyStringKey } from '@infra/pve-api';

/**
 * Some property-string parameters (`hostpci[n]`, `ipconfig[n]`, `cpu`, `boot`) name a format that Perl
 * registers in code, so the dump carries no sub-schema for them, only a typetext such as
 * `[[host=]<HOSTPCIID>] [,pcie=<1|0>] [,mapping=<mapping-id>]`. This derives the keys from that text.
 */

/** Splits on spaces that are outside `[...]` and `<...>`. */
function topLevelTokens(text: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '[' || ch === '<') depth += 1;
    if (ch === ']' || ch === '>') depth -= 1;
    if (ch === ' ' && depth === 0) {
      if (current) tokens.push(current);
      current = '';
    } else current += ch;
  }
  if (current) tokens.push(current);
  return tokens;
}

function valueSpec(inner: string): ParamSpec {
  if (inner === '1|0') return { type: 'boolean' };
  if (inner === 'integer' || /^integer\b/.test(inner)) return { type: 'integer' };
  if (inner === 'number') return { type: 'number' };
  if (/^[A-Za-z0-9_.-]+(\|[A-Za-z0-9_.-]+)+$/.test(inner)) return { type: 'string', enum: inner.split('|') };
  return { type: 'string' };
}

const TOKEN = /^(?:\[([A-Za-z0-9_-]+)=\]|([A-Za-z0-9_-]+)=)<(.*)>$/;

/**
 * Returns the derived format, or null when the typetext is not a property string (e.g. `<string>` or a bare
 * regex-like text), so callers fall back to the named format alone.
 */
export function formatFromTypetext(
  typetext: string,
  supplements: Readonly<Record<string, Partial<ParamSpec>>> = {},
): PropertyStringFormat | null {
  const tokens = topLevelTokens(typetext.trim());
  if (tokens.length === 0) return null;
  const keys: Record<string, PropertyStringKey> = {};
  let sawKey = false;
  for (const [index, raw] of tokens.entries()) {
    // The first token may be wrapped as `[[key=]<v>]` (optional default key) or `[key=]<v>` (required one).
    let token = raw;
    let optional = false;
    if (token.startsWith('[') && token.endsWith(']') && !/^\[[A-Za-z0-9_-]+=\]</.test(token)) {
      token = token.slice(1, -1);
      optional = true;
    }
    if (index > 0 && !token.startsWith(',')) return null;
    token = token.replace(/^,/, '');
    const match = TOKEN.exec(token);
    if (!match) return null;
    const defaultKeyName = match[1];
    const name = defaultKeyName ?? match[2]!;
    sawKey = true;
    const spec: ParamSpec & { defaultKey?: true } = { ...valueSpec(match[3]!), ...supplements[name] };
    if (optional) spec.optional = true;
    if (defaultKeyName) spec.defaultKey = true;
    keys[name] = spec;
  }
  return sawKey ? { keys, source: 'typetext' } : null;
}
