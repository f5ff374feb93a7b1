import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { resolvePlainScalar } from '../go-yaml/resolve';
import { deref, type JsonSchema, type LoadedSchema } from './schemas';

/**
 * A YAML document as Talos (go-yaml v4) reads it, plus what the validator needs to report well: the line of
 * every JSON pointer, the source text of plain scalars (so a coerced `1.50` stays "1.50") and which plain
 * scalars were timestamps.
 */
export interface ReadDocument {
  value: unknown;
  lines: Map<string, number>;
  sources: Map<string, string>;
  timestamps: Set<string>;
}

export const pointerChild = (pointer: string, key: string | number) =>
  `${pointer}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;

export function readYamlDocument(doc: Document, lineCounter: LineCounter): ReadDocument {
  const out: ReadDocument = { value: undefined, lines: new Map(), sources: new Map(), timestamps: new Set() };
  const lineOf = (node: Node | null | undefined) =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;

  const walk = (raw: Node | null | undefined, pointer: string): unknown => {
    const node = isAlias(raw) ? (raw.resolve(doc) as Node | undefined) : raw;
    const line = lineOf(raw);
    if (line !== undefined && !out.lines.has(pointer)) out.lines.set(pointer, line);
    if (node == null) return null;
    if (isMap(node)) {
      const obj: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value ?? '') : String(keyNode);
        const childPointer = pointerChild(pointer, key);
        const keyLine = lineOf(keyNode);
        if (keyLine !== undefined) out.lines.set(childPointer, keyLine);
        obj[key] = walk(pair.value as Node | null, childPointer);
      }
      return obj;
    }
    if (isSeq(node)) return node.items.map((item, i) => walk(item as Node, pointerChild(pointer, i)));
    if (!isScalar(node)) return null;
    const plain = (node.type === 'PLAIN' || node.type === undefined) && node.tag === undefined;
    if (!plain) return node.value;
    const text = node.source ?? String(node.value ?? '');
    out.sources.set(pointer, text);
    const r = resolvePlainScalar(text);
    switch (r.tag) {
      case 'null':
        return null;
      case 'bool':
        return r.value;
      case 'int':
        return Number(r.value);
      case 'float':
        return r.value;
      case 'timestamp':
        out.timestamps.add(pointer);
        return text;
      default:
        return text;
    }
  };
  out.value = walk(doc.contents as Node | null, '');
  return out;
}

export interface CoercionIssue {
  pointer: string;
  rule: string;
  message: string;
}

const OLD_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const OLD_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const DROP = Symbol('drop');

function typesOf(schema: JsonSchema | undefined): Set<string> {
  const t = schema?.type;
  return new Set(Array.isArray(t) ? t.map(String) : t === undefined ? [] : [String(t)]);
}

function childSchema(parent: JsonSchema | undefined, key: string): JsonSchema | undefined {
  if (!parent) return undefined;
  const props = parent.properties as Record<string, JsonSchema> | undefined;
  if (props && Object.hasOwn(props, key)) return props[key];
  const patterns = parent.patternProperties as Record<string, JsonSchema> | undefined;
  for (const [pattern, sub] of Object.entries(patterns ?? {})) {
    if (new RegExp(pattern, 'u').test(key)) return sub;
  }
  const additional = parent.additionalProperties;
  return typeof additional === 'object' && additional !== null ? (additional as JsonSchema) : undefined;
}

/**
 * Applies go-yaml's decoding leniency where the schema says what Go type a value lands in: any scalar into a
 * string field becomes its text (`bpf_jit_harden: 1` → "1"), YAML 1.1 words into a bool field become booleans,
 * null leaves the zero value. Strategic-merge `$patch` directives are removed. Returns a new value.
 */
export function coerceLikeTalos(
  schema: LoadedSchema,
  rootDef: string,
  read: Pick<ReadDocument, 'value' | 'sources' | 'timestamps'>,
): { value: unknown; issues: CoercionIssue[] } {
  const issues: CoercionIssue[] = [];

  const visit = (value: unknown, rawSchema: JsonSchema | undefined, pointer: string): unknown => {
    const sn = deref(schema, rawSchema);
    const types = typesOf(sn);
    const stringOnly =
      types.has('string') && !types.has('number') && !types.has('integer') && !types.has('boolean');
    if (value === null) {
      if (stringOnly) return '';
      if (types.has('object') || types.has('array')) return DROP;
      return value;
    }
    if (typeof value === 'number' || typeof value === 'boolean') {
      return stringOnly ? (read.sources.get(pointer) ?? String(value)) : value;
    }
    if (typeof value === 'string') {
      if (read.timestamps.has(pointer) && stringOnly) {
        issues.push({
          pointer,
          rule: 'timestamp',
          message: `unquoted ${value} is read as a timestamp, which Talos cannot decode into a string; quote it`,
        });
      }
      if (types.size === 1 && types.has('boolean') && (OLD_TRUE.has(value) || OLD_FALSE.has(value))) {
        return OLD_TRUE.has(value);
      }
      return value;
    }
    if (Array.isArray(value)) {
      const items = sn?.items as JsonSchema | undefined;
      return value.map((v, i) => visit(v, items, pointerChild(pointer, i))).filter((v) => v !== DROP);
    }
    if (typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      if (obj.$patch === 'delete') return DROP;
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(obj)) {
        if (key === '$patch') continue;
        const v = visit(child, childSchema(sn, key), pointerChild(pointer, key));
        if (v !== DROP) out[key] = v;
      }
      return out;
    }
    return value;
  };

  const value = visit(read.value, schema.defs[rootDef], '');
  return { value: value === DROP ? {} : value, issues };
}
