/** The README section terraform-docs owns, between these markers (its own `inject` mode uses the same ones). */
export const DOCS_BEGIN = '<!-- BEGIN_TF_DOCS -->';
export const DOCS_END = '<!-- END_TF_DOCS -->';

const normalize = (text: string) =>
  text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();

/** The text between the markers and the 1-based README line it starts on; undefined without both markers. */
export function extractDocsSection(readme: string): { content: string; firstLine: number } | undefined {
  const begin = readme.indexOf(DOCS_BEGIN);
  const end = readme.indexOf(DOCS_END);
  if (begin < 0 || end < begin) return undefined;
  const contentStart = begin + DOCS_BEGIN.length;
  return {
    content: readme.slice(contentStart, end),
    firstLine: readme.slice(0, contentStart).split('\n').length,
  };
}

export type DocsCheck =
  | { status: 'up-to-date' }
  | { status: 'missing-markers' }
  | { status: 'stale'; line: number; expected: string; actual: string };

/** Compares the README section with fresh terraform-docs output, ignoring blank edges and trailing spaces. */
export function checkDocsSection(readme: string, generated: string): DocsCheck {
  const section = extractDocsSection(readme);
  if (!section) return { status: 'missing-markers' };
  // Raw line k of the content is README line firstLine + k (line 0 is the rest of the BEGIN marker's line).
  const raw = section.content
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd());
  const firstContent = raw.findIndex((line) => line !== '');
  const lastContent = raw.findLastIndex((line) => line !== '');
  const actual = firstContent < 0 ? [] : raw.slice(firstContent, lastContent + 1);
  const expected = normalize(generated).split('\n');
  const offset = firstContent < 0 ? 1 : firstContent;
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    if (actual[i] !== expected[i]) {
      return {
        status: 'stale',
        line: section.firstLine + offset + Math.min(i, actual.length),
        expected: expected[i] ?? '(nothing)',
        actual: actual[i] ?? '(nothing)',
      };
    }
  }
  return { status: 'up-to-date' };
}

/** Replaces the section (or appends one) with the generated docs. */
export function injectDocsSection(readme: string, generated: string): string {
  const block = `${DOCS_BEGIN}\n${normalize(generated)}\n${DOCS_END}`;
  const section = extractDocsSection(readme);
  if (!section) return `${readme.trimEnd()}\n\n${block}\n`;
  const begin = readme.indexOf(DOCS_BEGIN);
  const end = readme.indexOf(DOCS_END) + DOCS_END.length;
  return `${readme.slice(0, begin)}${block}${readme.slice(end)}`;
}
