import { posix } from 'node:path';

/** What a workspace-relative path is on disk, as far as the caller knows. */
export type PathKind = 'file' | 'dir';
export type StatPath = (workspaceRelativePath: string) => PathKind | undefined;

export interface PathReference {
  /** Workspace-relative, normalised, no trailing slash. */
  path: string;
  kind: PathKind;
  line: number;
}

export interface ResolveContext {
  /** Workspace-relative directory of the file holding the string (Packer's `path.root`, Terraform's `path.module`). */
  fileDir: string;
  /** Interpolations we can substitute (`local.x`, `var.x`), themselves possibly interpolating others. */
  symbols?: Record<string, string>;
  stat: StatPath;
}

const WORKSPACE = '/__workspace__';
const PATH_SYMBOLS = ['path.root', 'path.module', 'path.cwd'];
const MAX_EXPANSIONS = 8;

/**
 * Turns a string literal into a workspace path when it clearly names one: `${path.root}/../x`, `./x`, `../x`,
 * `${local.dir}/x`, or a plain relative path with a slash that exists. It is relative to the file's directory (Packer and
 * Terraform both resolve `path.*` from there; we also run their commands there), falling back to the
 * workspace root for plain paths. Anything that still holds an interpolation, a URL, or leaves the
 * workspace is not a reference. A glob keeps its directory part.
 */
export function resolvePathReference(
  raw: string,
  line: number,
  context: ResolveContext,
): PathReference | undefined {
  const expanded = _expand(raw, context);
  if (expanded === undefined || expanded.includes('${') || expanded.includes('%{')) return undefined;
  if (expanded.includes('://') || expanded.includes('\n') || expanded.trim() === '') return undefined;
  const withoutGlob = _stripGlob(expanded);
  if (withoutGlob === undefined) return undefined;
  const explicit = withoutGlob.startsWith('.') || withoutGlob.startsWith(WORKSPACE);
  // A bare word ("talos", "local") is a value, not a path, even when a folder of that name exists.
  if (!explicit && !withoutGlob.includes('/')) return undefined;

  const fromFileDir = _toWorkspacePath(posix.resolve(`${WORKSPACE}/${context.fileDir}`, withoutGlob));
  const candidates = [fromFileDir];
  if (!explicit) {
    candidates.push(_toWorkspacePath(posix.resolve(WORKSPACE, withoutGlob)));
  }
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    const kind = context.stat(candidate);
    if (kind) return { path: candidate, kind, line };
  }
  return undefined;
}

/**
 * The strings worth resolving in one literal: the literal itself, and each path embedded in a longer
 * string (a shell command, `KEY=value`) that starts at a `path.*`, `local.*` or `var.*` interpolation.
 */
export function pathCandidates(literal: string): string[] {
  const embedded = [...literal.matchAll(EMBEDDED_PATH)].map((m) => m[0]).filter((m) => m !== literal);
  return [literal, ...embedded];
}

// --- internal ---

const EMBEDDED_PATH =
  /\$\{\s*(?:path\.(?:root|module|cwd)|local\.[A-Za-z0-9_-]+|var\.[A-Za-z0-9_-]+)\s*\}[^\s'"`;,()|&<>]*/g;

function _expand(raw: string, context: ResolveContext): string | undefined {
  const symbols: Record<string, string> = { ...context.symbols };
  for (const name of PATH_SYMBOLS) symbols[name] = `${WORKSPACE}/${context.fileDir}`;
  let value = raw;
  for (let round = 0; round < MAX_EXPANSIONS && value.includes('${'); round++) {
    const next = value.replace(
      /\$\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}/g,
      (match, name: string) => symbols[name] ?? match,
    );
    if (next === value) break;
    value = next;
  }
  // `path.root` expands to an absolute marker; a plain absolute path is outside the workspace.
  if (value.startsWith('/') && !value.startsWith(WORKSPACE)) return undefined;
  return value;
}

function _stripGlob(path: string): string | undefined {
  const globAt = path.search(/[*?[{]/);
  if (globAt === -1) return path.replace(/\/+$/, '') || undefined;
  const dir = path.slice(0, globAt).replace(/\/[^/]*$/, '');
  return dir === '' ? undefined : dir;
}

function _toWorkspacePath(absolute: string): string | undefined {
  if (absolute === WORKSPACE || !absolute.startsWith(`${WORKSPACE}/`)) return undefined;
  return absolute.slice(WORKSPACE.length + 1);
}
