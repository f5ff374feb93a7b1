import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InfraError } from '@infra/core';
import { cosmiconfig } from 'cosmiconfig';
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { ConfigErrorCode } from './error-codes';

export const CONFIG_FILE_NAMES = [
  'infra.config.yaml',
  'infra.config.yml',
  'infra.config.ts',
  'infra.config.json',
];

export interface LoadedFile {
  file: string;
  repoRoot: string;
  raw: unknown;
  /** Maps a dotted YAML path to "line:column" in the file, when the file is YAML. */
  locate(path: readonly PropertyKey[]): string | undefined;
}

/**
 * Finds infra.config.* with cosmiconfig, searching upward from `cwd` (or loads INFRA_CONFIG / an explicit file).
 * YAML is parsed by us rather than by cosmiconfig so that errors can point at a line.
 */
export async function loadConfigFile(
  opts: { cwd?: string | undefined; file?: string | undefined } = {},
): Promise<LoadedFile> {
  const explicit = opts.file ?? process.env.INFRA_CONFIG;
  const explorer = cosmiconfig('infra', {
    searchPlaces: CONFIG_FILE_NAMES,
    searchStrategy: 'global',
    loaders: { '.yaml': yamlLoader, '.yml': yamlLoader },
    cache: false,
  });
  let result: { filepath: string; config: unknown } | null;
  try {
    result = explicit ? await explorer.load(explicit) : await explorer.search(opts.cwd ?? process.cwd());
  } catch (error) {
    if (error instanceof InfraError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new InfraError<ConfigErrorCode>(
      'CONFIG_UNREADABLE',
      `cannot read ${explicit ?? 'infra.config.*'}: ${message}`,
    );
  }
  if (!result) {
    throw new InfraError<ConfigErrorCode>(
      'CONFIG_NOT_FOUND',
      `no ${CONFIG_FILE_NAMES.join(' / ')} found in ${opts.cwd ?? process.cwd()} or above`,
      {
        hint: 'run from inside the repository, or set INFRA_CONFIG=/path/to/infra.config.yaml',
      },
    );
  }
  const file = result.filepath;
  const document = file.endsWith('.yaml') || file.endsWith('.yml') ? await parseYaml(file) : undefined;
  return {
    file,
    repoRoot: dirname(file),
    raw: result.config,
    locate: (path) => (document ? locateInDocument(document.doc, document.lines, path) : undefined),
  };
}

async function yamlLoader(filepath: string, content: string): Promise<unknown> {
  const doc = parseDocument(content, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const [line, col] = first.linePos?.[0] ? [first.linePos[0].line, first.linePos[0].col] : [0, 0];
    throw new InfraError<ConfigErrorCode>(
      'CONFIG_INVALID',
      `${filepath}:${line}:${col}: YAML syntax error: ${first.message.split('\n')[0]}`,
      {
        hint: 'fix the YAML syntax at that position',
      },
    );
  }
  return doc.toJS();
}

async function parseYaml(file: string): Promise<{ doc: Document; lines: LineCounter }> {
  const lines = new LineCounter();
  const doc = parseDocument(await readFile(file, 'utf8'), { lineCounter: lines });
  return { doc, lines };
}

function locateInDocument(
  doc: Document,
  lines: LineCounter,
  path: readonly PropertyKey[],
): string | undefined {
  // Walk as deep as the path exists; an error about a missing key points at its parent.
  let node: unknown = doc.contents;
  let found: unknown = node;
  for (const key of path) {
    if (isMap(node)) node = node.get(String(key), true);
    else if (isSeq(node)) node = node.get(Number(key), true);
    else break;
    if (node === undefined) break;
    found = node;
  }
  const range = (isMap(found) || isSeq(found) || isScalar(found)) && found.range ? found.range : undefined;
  if (!range) return undefined;
  const pos = lines.linePos(range[0]);
  return `${pos.line}:${pos.col}`;
}
