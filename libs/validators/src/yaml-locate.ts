import { type Document, isMap, isScalar, parseDocument } from 'yaml';

/**
 * 1-based line of the node at `path` in a YAML text (the deepest existing ancestor when the path goes further
 * than the document, e.g. a missing required key). Undefined when the text does not parse.
 */
export function lineOfPath(text: string, path: readonly (string | number)[]): number | undefined {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) return undefined;
  return lineInDocument(doc, text, path);
}

export function lineInDocument(
  doc: Document,
  text: string,
  path: readonly (string | number)[],
): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    const node = prefix.length === 0 ? doc.contents : keyOrValue(doc, prefix);
    const start = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
    if (start !== undefined) return text.slice(0, start).split('\n').length;
  }
  return undefined;
}

/** Prefer the key node of a map entry (its line is where the user wrote the key). */
function keyOrValue(doc: Document, path: readonly (string | number)[]): unknown {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  const last = path.at(-1);
  if (isMap(parent)) {
    const pair = parent.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === last);
    if (pair?.key) return pair.key;
  }
  return doc.getIn(path, true);
}

/** "users.0.name" → ['users', 0, 'name'] (numeric segments become list indices). */
export function splitDottedPath(dotted: string): (string | number)[] {
  return dotted
    .split('.')
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}
