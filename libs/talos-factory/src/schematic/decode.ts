import { InfraError } from '@infra/core';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  type Scalar,
} from 'yaml';
import type { TalosFactoryErrorCode } from '../error-codes';
import { isGoTimestamp, resolvePlainScalar } from '../go-yaml/resolve';
import { BOOTLOADERS, GoFloat, GoTimestamp, type OptionValue } from './model';

/**
 * Turns schematic YAML/JSON text into plain data the way the factory's Go decoder (go-yaml v4, KnownFields)
 * would see it: any scalar becomes its source text in a string field (`1.50` → "1.50"), `null` elements of a
 * string list are dropped, YAML 1.1 words are accepted for booleans, integers may be written in hex/octal/
 * binary, unknown fields are errors. All type errors are collected and reported together.
 */
export interface DecodeIssue {
  path: string;
  line?: number | undefined;
  message: string;
}

const STR_TAG = 'tag:yaml.org,2002:str';

type Ctx = { issues: DecodeIssue[]; lines: LineCounter; doc: { resolveAlias(n: Node): Node | undefined } };

function lineOf(ctx: Ctx, node: Node | null | undefined): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : ctx.lines.linePos(offset).line;
}

function fail(ctx: Ctx, node: Node | null | undefined, path: string, message: string): undefined {
  ctx.issues.push({ path, line: lineOf(ctx, node), message });
  return undefined;
}

function deref(ctx: Ctx, node: Node | null | undefined): Node | null | undefined {
  return isAlias(node) ? ctx.doc.resolveAlias(node) : node;
}

type ScalarView =
  | { quoted: true; text: string }
  | { quoted: false; text: string; resolved: ReturnType<typeof resolvePlainScalar> };

function viewScalar(ctx: Ctx, node: Scalar, path: string): ScalarView | undefined {
  if (node.tag !== undefined && node.tag !== STR_TAG) {
    return fail(ctx, node, path, `explicit YAML tag ${node.tag} is not supported here`);
  }
  const plain = node.type === 'PLAIN' || node.type === undefined;
  if (!plain || node.tag === STR_TAG) return { quoted: true, text: String(node.value ?? '') };
  const text = node.source ?? String(node.value ?? '');
  return { quoted: false, text, resolved: resolvePlainScalar(text) };
}

const kindName = (node: Node | null | undefined) =>
  isMap(node) ? '!!map' : isSeq(node) ? '!!seq' : 'scalar';

/** Go string field. Returns undefined for null (Go leaves the zero value) and on error. */
function decodeString(ctx: Ctx, raw: Node | null | undefined, path: string): string | undefined {
  const node = deref(ctx, raw);
  if (node == null) return undefined;
  if (!isScalar(node)) return fail(ctx, node, path, `cannot decode ${kindName(node)} into a string`);
  const view = viewScalar(ctx, node, path);
  if (view === undefined) return undefined;
  if (!view.quoted && view.resolved.tag === 'null') return undefined;
  // go-yaml turns an unquoted date into a time.Time, which a string field does not accept.
  if (!view.quoted && view.resolved.tag === 'timestamp') {
    return fail(ctx, node, path, `cannot decode timestamp ${view.text} into a string (quote it)`);
  }
  return view.text;
}

const OLD_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const OLD_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

function decodeBool(ctx: Ctx, raw: Node | null | undefined, path: string): boolean | undefined {
  const node = deref(ctx, raw);
  if (node == null) return undefined;
  if (!isScalar(node)) return fail(ctx, node, path, `cannot decode ${kindName(node)} into a boolean`);
  const view = viewScalar(ctx, node, path);
  if (view === undefined) return undefined;
  if (!view.quoted && view.resolved.tag === 'bool') return view.resolved.value;
  if (!view.quoted && view.resolved.tag === 'null') return undefined;
  if (OLD_TRUE.has(view.text)) return true;
  if (OLD_FALSE.has(view.text)) return false;
  return fail(ctx, node, path, `expected a boolean, got ${JSON.stringify(view.text)}`);
}

function decodeUint(ctx: Ctx, raw: Node | null | undefined, path: string, max: bigint): number | undefined {
  const node = deref(ctx, raw);
  if (node == null) return undefined;
  if (!isScalar(node))
    return fail(ctx, node, path, `cannot decode ${kindName(node)} into an unsigned integer`);
  const view = viewScalar(ctx, node, path);
  if (view === undefined) return undefined;
  if (!view.quoted) {
    const r = view.resolved;
    if (r.tag === 'null') return undefined;
    if (r.tag === 'int' && r.value >= 0n && r.value <= max) return Number(r.value);
    if (r.tag === 'float' && Number.isInteger(r.value) && r.value >= 0 && BigInt(r.value) <= max)
      return r.value;
  }
  return fail(ctx, node, path, `expected an integer from 0 to ${max}, got ${JSON.stringify(view.text)}`);
}

function decodeStringList(ctx: Ctx, raw: Node | null | undefined, path: string): string[] | undefined {
  const node = deref(ctx, raw);
  if (node == null) return undefined;
  if (
    isScalar(node) &&
    viewScalar(ctx, node, path)?.quoted === false &&
    resolvePlainScalar(node.source ?? '').tag === 'null'
  ) {
    return undefined;
  }
  if (!isSeq(node)) return fail(ctx, node, path, `cannot decode ${kindName(node)} into a list of strings`);
  const out: string[] = [];
  node.items.forEach((item, i) => {
    const value = decodeString(ctx, item as Node, `${path}[${i}]`);
    if (value !== undefined) out.push(value);
  });
  return out;
}

type FieldDecoder = (ctx: Ctx, node: Node | null | undefined, path: string) => unknown;

/** A Go struct decoded with KnownFields(true): unknown keys are errors, null leaves the zero value. */
function structOf(typeName: string, fields: Record<string, FieldDecoder>): FieldDecoder {
  return (ctx, raw, path) => {
    const node = deref(ctx, raw);
    if (
      node == null ||
      (isScalar(node) &&
        viewScalar(ctx, node, path)?.quoted === false &&
        resolvePlainScalar(node.source ?? '').tag === 'null')
    ) {
      return undefined;
    }
    if (!isMap(node)) return fail(ctx, node, path, `cannot decode ${kindName(node)} into ${typeName}`);
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const keyNode = deref(ctx, pair.key as Node);
      const key = isScalar(keyNode) ? String(keyNode.value ?? '') : '';
      const childPath = path ? `${path}.${key}` : key;
      const decoder = Object.hasOwn(fields, key) ? fields[key] : undefined;
      if (!decoder) {
        const known = Object.keys(fields).join(', ');
        fail(
          ctx,
          keyNode,
          childPath,
          `field ${JSON.stringify(key)} not found in ${typeName} (known fields: ${known})`,
        );
        continue;
      }
      const value = decoder(ctx, pair.value as Node, childPath);
      if (value !== undefined) out[key] = value;
    }
    return out;
  };
}

/** Overlay option values, decoded as Go `any`: typed scalars, nested maps with string keys, lists. */
function decodeAny(ctx: Ctx, raw: Node | null | undefined, path: string): OptionValue | undefined {
  const node = deref(ctx, raw);
  if (node == null) return null;
  if (isMap(node)) return decodeOptionsMap(ctx, node, path, true);
  if (isSeq(node)) {
    const out: OptionValue[] = [];
    node.items.forEach((item, i) => {
      const value = decodeAny(ctx, item as Node, `${path}[${i}]`);
      if (value !== undefined) out.push(value);
    });
    return out;
  }
  if (!isScalar(node)) return fail(ctx, node, path, 'unsupported YAML node');
  const view = viewScalar(ctx, node, path);
  if (view === undefined) return undefined;
  if (view.quoted) return view.text;
  const r = view.resolved;
  switch (r.tag) {
    case 'null':
      return null;
    case 'bool':
      return r.value;
    case 'int':
      return r.value >= BigInt(Number.MIN_SAFE_INTEGER) && r.value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(r.value)
        : r.value;
    case 'float':
      return Number.isInteger(r.value) || !Number.isFinite(r.value) ? new GoFloat(r.value) : r.value;
    case 'timestamp':
      return new GoTimestamp(toRfc3339(view.text));
    case 'merge':
      return fail(ctx, node, path, 'YAML merge keys are not supported');
    default:
      return view.text;
  }
}

function decodeOptionsMap(
  ctx: Ctx,
  raw: Node | null | undefined,
  path: string,
  nested: boolean,
): Record<string, OptionValue> | undefined {
  const node = deref(ctx, raw);
  if (node == null) return undefined;
  if (!isMap(node)) return fail(ctx, node, path, `cannot decode ${kindName(node)} into a map`);
  const out: Record<string, OptionValue> = {};
  for (const pair of node.items) {
    const keyNode = deref(ctx, pair.key as Node);
    if (!isScalar(keyNode)) {
      fail(ctx, keyNode, path, 'overlay option keys must be scalars');
      continue;
    }
    const view = viewScalar(ctx, keyNode, path);
    if (view === undefined) continue;
    // Top-level keys are decoded into Go strings (any scalar works); keys of nested maps keep their YAML type,
    // and only string keys are supported offline.
    if (!view.quoted && (view.resolved.tag === 'null' || (nested && view.resolved.tag !== 'str'))) {
      fail(ctx, keyNode, path, `overlay option key ${JSON.stringify(view.text)} must be a string`);
      continue;
    }
    const value = decodeAny(ctx, pair.value as Node, `${path}.${view.text}`);
    if (value !== undefined) out[view.text] = value;
  }
  return out;
}

/** Go writes a parsed time.Time back as RFC 3339 with nanoseconds trimmed; date-only and zone-less values are UTC. */
export function toRfc3339(text: string): string {
  if (!isGoTimestamp(text)) return text;
  const m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(Z|[-+]\d{2}:\d{2})?)?$/.exec(
      text,
    );
  if (!m) return text;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const two = (v: string | undefined) => String(Number(v)).padStart(2, '0');
  const fraction = frac.slice(0, 9).replace(/0+$/, '');
  const offset = zone === undefined || zone === 'Z' || zone === '+00:00' || zone === '-00:00' ? 'Z' : zone;
  return `${y}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}${fraction ? `.${fraction}` : ''}${offset}`;
}

function decodeBootloader(ctx: Ctx, raw: Node | null | undefined, path: string): string | undefined {
  const node = deref(ctx, raw);
  if (node != null && !isScalar(node))
    return fail(ctx, node, path, `cannot decode ${kindName(node)} into a bootloader kind`);
  const text = node == null ? undefined : isScalar(node) ? viewScalar(ctx, node, path)?.text : undefined;
  if (text === undefined) return undefined;
  const match = BOOTLOADERS.find((b) => b === text.toLowerCase());
  if (match) return match;
  return fail(
    ctx,
    node,
    path,
    `${text} does not belong to BootloaderKind values (${BOOTLOADERS.join(', ')})`,
  );
}

const decodeSchematicRoot = structOf('Schematic', {
  owner: decodeString,
  overlay: structOf('Overlay', {
    image: decodeString,
    name: decodeString,
    options: (ctx, node, path) => decodeOptionsMap(ctx, node, path, false),
  }),
  customization: structOf('Customization', {
    embeddedMachineConfiguration: decodeString,
    extraKernelArgs: decodeStringList,
    meta: (ctx, raw, path) => {
      const node = deref(ctx, raw);
      if (node == null) return undefined;
      if (!isSeq(node))
        return fail(ctx, node, path, `cannot decode ${kindName(node)} into a list of meta values`);
      const item = structOf('MetaValue', {
        key: (c, n, p) => decodeUint(c, n, p, 255n),
        value: decodeString,
      });
      return node.items
        .map((entry, i) => item(ctx, entry as Node, `${path}[${i}]`))
        .filter((v) => v !== undefined)
        .map((v) => ({ key: 0, value: '', ...(v as object) }));
    },
    systemExtensions: structOf('SystemExtensions', { officialExtensions: decodeStringList }),
    bootloader: decodeBootloader,
    secureboot: structOf('SecureBootCustomization', {
      enrollKeys: decodeString,
      includeWellKnownCertificates: decodeBool,
    }),
    diskImage: structOf('DiskImageCustomization', {
      sectorSize: (ctx, node, path) => decodeUint(ctx, node, path, 2n ** 64n - 1n),
    }),
  }),
});

export interface DecodedSchematicText {
  value: Record<string, unknown>;
  issues: DecodeIssue[];
}

/** Decodes the first YAML document of `text` (JSON is YAML). Syntax errors come back as issues. */
export function decodeSchematicText(text: string): DecodedSchematicText {
  const separator = /[\u0085\u2028\u2029]/.exec(text);
  if (separator) {
    const line = text.slice(0, separator.index).split('\n').length;
    const code = separator[0].charCodeAt(0).toString(16).padStart(4, '0');
    return {
      value: {},
      issues: [
        {
          path: '',
          line,
          message: `raw U+${code} is a line break to the factory's YAML reader; write it escaped in a double-quoted string`,
        },
      ],
    };
  }
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, version: '1.2' });
  const list = Array.isArray(docs) ? docs : [];
  const doc = list[0];
  const issues: DecodeIssue[] = [];
  if (!doc) return { value: {}, issues };
  for (const error of doc.errors) {
    issues.push({
      path: '',
      line: error.linePos?.[0]?.line,
      message: error.message.split('\n')[0] ?? error.message,
    });
  }
  if (issues.length > 0) return { value: {}, issues };
  const ctx: Ctx = {
    issues,
    lines,
    doc: { resolveAlias: (n) => (isAlias(n) ? (n.resolve(doc) as Node | undefined) : n) },
  };
  const value = decodeSchematicRoot(ctx, doc.contents as Node | null, '');
  return { value: (value as Record<string, unknown> | undefined) ?? {}, issues };
}

export function schematicDecodeError(source: string, issues: readonly DecodeIssue[]): InfraError {
  const lines = issues.map(
    (i) => `${source}${i.line ? `:${i.line}` : ''}: ${i.path ? `${i.path}: ` : ''}${i.message}`,
  );
  return new InfraError<TalosFactoryErrorCode>(
    'SCHEMATIC_INVALID',
    `invalid schematic:\n${lines.join('\n')}`,
    {
      hint: 'fields the factory accepts: overlay{image,name,options}, customization{embeddedMachineConfiguration, extraKernelArgs, meta[{key,value}], systemExtensions{officialExtensions}, bootloader, secureboot{enrollKeys,includeWellKnownCertificates}, diskImage{sectorSize}}',
      details: { file: source, issues },
    },
  );
}
