import { chooseStringStyle, literalBlock, renderInline } from './scalar';

/**
 * A small block-style YAML emitter that reproduces go-yaml v4's layout with `indent = 4`: mapping children
 * at the next multiple of 4, sequences indented under their key, the first entry of a mapping (or nested
 * sequence) inside a sequence item on the dash line at dash + 2, empty collections as `{}` / `[]`, no
 * folding. Mapping keys are written in the given order: ordering is the caller's business.
 */
export type YamlNode =
  | { kind: 'string'; value: string }
  /** Already rendered (numbers, booleans, null): written as-is. */
  | { kind: 'raw'; text: string }
  | { kind: 'map'; entries: ReadonlyArray<readonly [string, YamlNode]> }
  | { kind: 'seq'; items: readonly YamlNode[] };

const nextIndent = (indent: number) => 4 * Math.floor((indent + 4) / 4);
const pad = (n: number) => ' '.repeat(n);

/** libyaml writes a key inline ("simple") only when it is single-line and at most 128 bytes long. */
function isSimpleKey(key: string): boolean {
  return Buffer.byteLength(key, 'utf8') <= 128 && !/[\n\r\u0085\u2028\u2029]/.test(key);
}

function renderKey(key: string): string {
  const style = chooseStringStyle(key, true);
  return renderInline(key, style === 'literal' ? 'double' : style);
}

/**
 * Writes `node` as the value following `prefix` (e.g. `key:` or `-`). `childIndent` is where a block child
 * starts; for sequence items the caller passes dash + 2 and `inline` so nested collections start on the dash
 * line.
 */
function emitValue(
  out: string[],
  prefix: string,
  node: YamlNode,
  childIndent: number,
  inline: boolean,
): void {
  switch (node.kind) {
    case 'raw':
      out.push(`${prefix} ${node.text}\n`);
      return;
    case 'string': {
      const style = chooseStringStyle(node.value);
      if (style === 'literal') {
        const { header, body } = literalBlock(node.value, childIndent);
        out.push(`${prefix} ${header}\n${body}`);
      } else {
        out.push(`${prefix} ${renderInline(node.value, style, childIndent)}\n`);
      }
      return;
    }
    case 'map':
      if (node.entries.length === 0) {
        out.push(`${prefix} {}\n`);
        return;
      }
      if (inline) {
        emitMapping(out, node, childIndent, `${prefix} `);
      } else {
        out.push(`${prefix}\n`);
        emitMapping(out, node, childIndent);
      }
      return;
    case 'seq':
      if (node.items.length === 0) {
        out.push(`${prefix} []\n`);
        return;
      }
      if (inline) {
        emitSequence(out, node, childIndent, `${prefix} `);
      } else {
        out.push(`${prefix}\n`);
        emitSequence(out, node, childIndent);
      }
      return;
  }
}

/** `firstLinePrefix` replaces the indentation of the first entry (used for entries that share a dash line). */
function emitMapping(
  out: string[],
  node: Extract<YamlNode, { kind: 'map' }>,
  indent: number,
  firstLinePrefix?: string,
): void {
  node.entries.forEach(([key, value], i) => {
    const lead = i === 0 && firstLinePrefix !== undefined ? firstLinePrefix : pad(indent);
    if (isSimpleKey(key)) {
      emitValue(out, `${lead}${renderKey(key)}:`, value, nextIndent(indent), false);
    } else {
      // A complex key: `? <key>` then `: <value>`, both written like values.
      emitValue(out, `${lead}?`, { kind: 'string', value: key }, nextIndent(indent), false);
      emitValue(out, `${pad(indent)}:`, value, nextIndent(indent), false);
    }
  });
}

function emitSequence(
  out: string[],
  node: Extract<YamlNode, { kind: 'seq' }>,
  indent: number,
  firstLinePrefix?: string,
): void {
  node.items.forEach((item, i) => {
    const lead = i === 0 && firstLinePrefix !== undefined ? firstLinePrefix : pad(indent);
    emitValue(out, `${lead}-`, item, indent + 2, true);
  });
}

/** A whole document whose root is a mapping (the only shape a schematic has). */
export function emitDocument(root: Extract<YamlNode, { kind: 'map' }>): string {
  if (root.entries.length === 0) return '{}\n';
  const out: string[] = [];
  emitMapping(out, root, 0);
  return out.join('');
}
