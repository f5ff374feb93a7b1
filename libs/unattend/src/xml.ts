/** Text and attribute values for XML: the five predefined entities, nothing else. */
export const xmlEscape = (text: string) =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');

/** An element with text content, or with child lines indented under it. */
export function element(name: string, content: string | readonly string[], attributes = ''): string[] {
  const open = attributes ? `<${name} ${attributes}>` : `<${name}>`;
  if (typeof content === 'string') return [`${open}${xmlEscape(content)}</${name}>`];
  return [open, ...content.map((line) => `  ${line}`), `</${name}>`];
}

/** A comment whose text cannot end it early (`--` is not allowed inside XML comments). */
export const comment = (text: string) => `<!-- ${text.replaceAll('--', '- -')} -->`;
