/**
 * Module specifiers a TypeScript/JavaScript file imports: static `import`/`export … from`, side-effect
 * `import '…'` and dynamic `import('…')` with a literal. Comments are ignored; `import type` is skipped
 * because it has no runtime effect on what a script does.
 */
export function importSpecifiers(source: string): string[] {
  const code = _stripComments(source);
  const found = new Set<string>();
  const patterns = [
    /\b(?:import|export)\s+(?!type\s)[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) found.add(match[1]!);
  }
  return [...found];
}

/** The npm package a bare specifier belongs to (`@scope/pkg/sub` → `@scope/pkg`), or undefined for others. */
export function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined;
  const parts = specifier.split('/');
  if (specifier.startsWith('@')) return parts.length >= 2 ? `${parts[0]}/${parts[1]}` : undefined;
  return parts[0];
}

// --- internal ---

function _stripComments(source: string): string {
  // Good enough for import scanning: string contents that look like comments are rare in import lines.
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}
