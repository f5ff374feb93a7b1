import { type FieldPath, formatFieldPath, type ManifestDocument, objectRef } from './manifests';

/** One problem in a manifest: the file and the field to change, and why. */
export interface PlatformFinding {
  file: string;
  line?: number;
  /** Dotted path of the field, prefixed with the object (`Deployment/ollama/ollama: spec.template...`). */
  field: string;
  rule: string;
  message: string;
}

/**
 * The finding at `path` of `document`, with its line when the document was located, and the message saying
 * where the object really comes from: the chart template that rendered it, or a stand-in made for the run.
 */
export function finding(
  document: ManifestDocument,
  path: FieldPath,
  rule: string,
  message: string,
): PlatformFinding {
  const line = document.lineOf(path);
  const notes = [
    ...(document.template ? [`rendered from ${document.template}`] : []),
    ...(document.standIn ? ['in the stand-in made for this run: the file is not in this checkout'] : []),
  ];
  return {
    file: document.file,
    ...(line !== undefined ? { line } : {}),
    field: `${objectRef(document.object)}: ${formatFieldPath(path) || '(object)'}`,
    rule,
    message: notes.length > 0 ? `${message} (${notes.join('; ')})` : message,
  };
}
