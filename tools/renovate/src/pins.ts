import { InfraError } from '@infra/core';
import { parse as parseToml } from 'smol-toml';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';
import type { RenovateErrorCode } from './error-codes';

/**
 * One pinned version in the repository, found by reading the file itself (never through renovate.json), so
 * the audit can tell whether renovate.json finds it.
 */
export interface Pin {
  file: string;
  /** Offset of the version text in the file. */
  offset: number;
  /** Where, for messages: `mise.toml [_.infra.providers] "bpg/proxmox"`. */
  where: string;
  /** The dependency as the file names it (key, plugin source, image); undefined where only the key says it. */
  name: string | undefined;
  version: string;
  digest: string | undefined;
  /** `mise`: mise.toml [tools], read by Renovate's built-in mise manager; `custom`: needs a customManager. */
  reader: 'mise' | 'custom';
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);

/** mise.toml: `[tools]` entries (built-in manager) and every version under the `_` tables (custom managers). */
export function misePins(file: string, text: string): Pin[] {
  const parsed = parseToml(text) as Table;
  const pins: Pin[] = [];
  let section: string[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const header = /^\[([^\]]+)\]\s*(?:#.*)?$/.exec(line);
    if (header?.[1]) section = header[1].split('.').map((part) => part.trim().replace(/^"(.*)"$/, '$1'));
    const entry = /^("(?<quoted>[^"]+)"|(?<bare>[\w.+-]+))\s*=\s*(?<value>.+)$/.exec(line);
    const key = entry?.groups?.quoted ?? entry?.groups?.bare;
    if (entry?.groups?.value && key && (section[0] === 'tools' || section[0] === '_')) {
      const value = lookup(parsed, [...section, key]);
      const version = typeof value === 'string' ? value : isTable(value) ? value.version : undefined;
      if (typeof version === 'string' && version !== 'system') {
        const at = line.indexOf(`"${version}"`, line.indexOf('=')) + 1;
        pins.push({
          file,
          offset: offset + at,
          where: `${file} [${section.join('.')}] ${JSON.stringify(key)}`,
          name: key,
          version,
          digest: undefined,
          reader: section[0] === 'tools' ? 'mise' : 'custom',
        });
      }
    }
    offset += line.length + 1;
  }
  const expected = countPins(parsed.tools) + countPins(parsed._);
  if (expected !== pins.length) {
    throw new InfraError<RenovateErrorCode>(
      'RENOVATE_PIN_UNREADABLE',
      `${file}: the TOML holds ${expected} pins but the line scan found ${pins.length}`,
      { hint: 'write each pin on one line: key = "version" or key = { version = "..." }' },
    );
  }
  return pins;
}

function lookup(table: Table, path: readonly string[]): unknown {
  let value: unknown = table;
  for (const part of path) value = isTable(value) ? value[part] : undefined;
  return value;
}

/** Leaves of a pin table: a version string (not `system`) or a table with a `version`; deeper tables recurse. */
function countPins(value: unknown): number {
  if (!isTable(value)) return 0;
  let n = 0;
  for (const entry of Object.values(value)) {
    if (typeof entry === 'string') n += entry === 'system' ? 0 : 1;
    else if (isTable(entry)) n += typeof entry.version === 'string' ? 1 : countPins(entry);
  }
  return n;
}

/** Packer: every `version` inside a `required_plugins` block, named by the plugin's `source`. */
export function packerPluginPins(file: string, text: string): Pin[] {
  const pins: Pin[] = [];
  let depth = 0;
  let pluginsAt: number | undefined;
  let source: string | undefined;
  let offset = 0;
  for (const line of text.split('\n')) {
    const code = line.replace(/#.*$/, '');
    if (/^\s*required_plugins\s*\{/.test(code)) pluginsAt = depth;
    const src = /^\s*source\s*=\s*"([^"]+)"/.exec(code);
    if (pluginsAt !== undefined && src?.[1]) source = src[1];
    const version = /^(\s*version\s*=\s*")(?:=\s*)?([^"]*)"/.exec(code);
    if (pluginsAt !== undefined && version?.[1] !== undefined && version[2] !== undefined) {
      const at = line.indexOf(version[2], version[1].length);
      pins.push({
        file,
        offset: offset + at,
        where: `${file} required_plugins ${source ?? '(no source)'}`,
        name: source,
        version: version[2],
        digest: undefined,
        reader: 'custom',
      });
    }
    depth += (code.match(/\{/g) ?? []).length - (code.match(/\}/g) ?? []).length;
    if (pluginsAt !== undefined && depth <= pluginsAt) pluginsAt = undefined;
    offset += line.length + 1;
  }
  return pins;
}

/** infra.config.yaml: `talos.version` and `talos.kubernetesVersion`, in the catalog and in any environment. */
export function configPins(file: string, text: string): Pin[] {
  const pins: Pin[] = [];
  walkYaml(file, text, (path, node) => {
    const [parent, key] = path.slice(-2);
    if (parent === 'talos' && (key === 'version' || key === 'kubernetesVersion') && isScalar(node)) {
      pins.push({
        file,
        offset: node.range?.[0] ?? 0,
        where: `${file} ${path.join('.')}`,
        name: undefined,
        version: String(node.value),
        digest: undefined,
        reader: 'custom',
      });
    }
  });
  return pins;
}

/** Kubernetes manifests and Helm values: every `image: name:tag[@digest]` and `image: { repository, tag }`. */
export function imagePins(file: string, text: string): Pin[] {
  const pins: Pin[] = [];
  walkYaml(file, text, (path, node) => {
    if (path.at(-1) !== 'image') return;
    if (isScalar(node) && typeof node.value === 'string') {
      const ref = parseImageRef(node.value);
      pins.push({
        file,
        offset: (node.range?.[0] ?? 0) + (node.type === 'PLAIN' ? 0 : 1) + ref.name.length + 1,
        where: `${file} ${path.join('.')}`,
        ...ref,
        reader: 'custom',
      });
    } else if (isMap(node)) {
      const repository = node.get('repository', true);
      const tag = node.get('tag', true);
      if (isScalar(repository) && isScalar(tag)) {
        const ref = parseImageRef(`${String(repository.value)}:${String(tag.value)}`);
        pins.push({
          file,
          offset: tag.range?.[0] ?? 0,
          where: `${file} ${path.join('.')}.tag`,
          ...ref,
          reader: 'custom',
        });
      }
    }
  });
  return pins;
}

/** `registry/repo:tag@sha256:...` → name, tag (empty when missing: an unpinned image) and digest. */
export function parseImageRef(ref: string): { name: string; version: string; digest: string | undefined } {
  const [withTag = '', digest] = ref.split('@', 2);
  const colon = withTag.lastIndexOf(':');
  const tagged = colon > withTag.lastIndexOf('/');
  return {
    name: tagged ? withTag.slice(0, colon) : withTag,
    version: tagged ? withTag.slice(colon + 1) : '',
    digest,
  };
}

function walkYaml(file: string, text: string, visit: (path: string[], node: Node) => void): void {
  const lineCounter = new LineCounter();
  for (const doc of parseAllDocuments(text, { lineCounter })) {
    if ('errors' in doc && doc.errors.length > 0) {
      throw new InfraError<RenovateErrorCode>(
        'RENOVATE_PIN_UNREADABLE',
        `${file}: ${doc.errors[0]?.message ?? 'YAML error'}`,
        { hint: 'fix the YAML; the pins in it cannot be listed' },
      );
    }
    const walk = (node: unknown, path: string[]): void => {
      if (isMap(node)) {
        for (const pair of node.items) {
          if (!isPair(pair)) continue;
          const key = isScalar(pair.key) ? String(pair.key.value) : '?';
          if (pair.value) visit([...path, key], pair.value as Node);
          walk(pair.value, [...path, key]);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => {
          walk(item, [...path, String(i)]);
        });
      }
    };
    walk(doc.contents, []);
  }
}
