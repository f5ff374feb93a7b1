import { isMap, isScalar, LineCounter, parseAllDocuments } from 'yaml';

/** A path into a Kubernetes object, e.g. ['spec', 'template', 'spec', 'containers', 0, 'resources']. */
export type FieldPath = readonly (string | number)[];

/** One Kubernetes object from a manifest file or a Helm render, with what is needed to name where it came from. */
export interface ManifestDocument {
  /** Repository-relative file the user edits to change it (a manifest, or the Helm values file). */
  file: string;
  /** For rendered objects: the chart template that produced it (`nvidia-device-plugin/templates/x.yml`). */
  template?: string;
  /** Position of the document in its text (0-based). */
  index: number;
  object: Record<string, unknown>;
  /** The YAML text of this document alone. */
  text: string;
  /** Line (1-based) of a field in the source file, when the object comes from a file the user edits. */
  lineOf(path: FieldPath): number | undefined;
  /** For a SOPS-encrypted manifest (`*.enc.yaml`): its sops metadata, which `object` and `text` leave out. */
  sops?: SopsSummary;
  /** A stand-in generated for this validation run because the file is not in this checkout (app-secrets.ts). */
  standIn?: boolean;
}

/** What the checks need of a file's `sops:` metadata. */
export interface SopsSummary {
  encryptedRegex?: string;
  /** The age recipients it is encrypted for. */
  recipients: string[];
}

export interface ParseProblem {
  file: string;
  line?: number;
  message: string;
}

/** Dotted display of a field path: spec.template.spec.containers[0].resources.limits. */
export function formatFieldPath(path: FieldPath): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

/** `kind/namespace/name` of an object, for messages. */
export function objectRef(object: Record<string, unknown>): string {
  const metadata = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  return [object.kind, metadata.namespace, metadata.name]
    .filter((part) => typeof part === 'string')
    .join('/');
}

/**
 * Splits a (multi-document) YAML text into objects. Empty documents (a bare `---`, Helm's blank templates) are
 * skipped; a syntax error or a document that is not a mapping is a problem, not an exception.
 * `locate` says whether line numbers refer to a file the user edits (false for Helm output).
 */
export function parseManifests(
  text: string,
  file: string,
  options: { template?: (doc: string) => string | undefined; locate?: boolean } = {},
): { documents: ManifestDocument[]; problems: ParseProblem[] } {
  const lineCounter = new LineCounter();
  const documents: ManifestDocument[] = [];
  const problems: ParseProblem[] = [];
  parseAllDocuments(text, { lineCounter, uniqueKeys: true }).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        problems.push({
          file,
          ...(options.locate !== false && error.linePos ? { line: error.linePos[0].line } : {}),
          message: error.message.split('\n')[0] ?? error.message,
        });
      }
      return;
    }
    if (doc.contents === null) return;
    if (!isMap(doc.contents)) {
      problems.push({ file, message: `document ${index + 1} is not a mapping (a Kubernetes object)` });
      return;
    }
    const [start, , end] = doc.range;
    const source = text.slice(start, end);
    const template = options.template?.(source);
    documents.push({
      file,
      ...(template ? { template } : {}),
      index,
      object: doc.toJS() as Record<string, unknown>,
      // Helm starts each document with `---`: the text is the document alone, the separator is the joiner's.
      text: doc.toString().replace(/^---\n/, ''),
      lineOf(path) {
        if (options.locate === false) return undefined;
        // The line of the key that holds the deepest existing field (a value may start on the next line).
        for (let depth = path.length; depth > 0; depth--) {
          const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
          const last = path[depth - 1];
          if (isMap(parent)) {
            const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
            const range = isScalar(pair?.key) ? pair.key.range : undefined;
            if (range) return lineCounter.linePos(range[0]).line;
          }
          const node = doc.getIn(path.slice(0, depth), true) as
            | { range?: [number, number, number] }
            | undefined;
          if (node?.range) return lineCounter.linePos(node.range[0]).line;
        }
        return lineCounter.linePos(start).line;
      },
    });
  });
  return { documents, problems };
}
