import type { HttpMethod, MethodSpec, ParamSpec, PropertyStringFormat } from '@infra/pve-api';
import { fileHeader, type GeneratorSource, operationTypeName, propertyKey } from './names';
import type { RawMethod } from './schema-source';

export interface Operation {
  method: HttpMethod;
  path: string;
  raw: RawMethod;
  spec: MethodSpec;
}

function tsType(spec: ParamSpec): string {
  switch (spec.type) {
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean | 0 | 1';
    case 'array':
      return `readonly ${spec.items ? wrap(tsType(spec.items)) : 'string'}[]`;
    case 'object':
      return 'Record<string, unknown>';
    default:
      return spec.enum ? spec.enum.map((v) => JSON.stringify(v)).join(' | ') : 'string';
  }
}

const wrap = (t: string) => (t.includes(' ') ? `(${t})` : t);

/** First sentence of a description, on one line, for a JSDoc hint. */
export function summary(description: string | undefined): string | undefined {
  if (!description) return undefined;
  const flat = description.replace(/\s+/g, ' ').trim();
  const sentence = /^(.*?[.!?])(\s|$)/.exec(flat)?.[1] ?? flat;
  const short = sentence.length > 120 ? `${sentence.slice(0, 117)}...` : sentence;
  return short.replace(/\*\//g, '*\\/');
}

function paramLines(op: Operation): string[] {
  const lines: string[] = [];
  const rawProps = op.raw.parameters?.properties ?? {};
  for (const [name, spec] of Object.entries(op.spec.params)) {
    const doc = summary(rawProps[name]?.description);
    const extra = spec.propertyString ? ` Property string (${spec.propertyString}).` : '';
    if (doc || extra) lines.push(`  /** ${(doc ?? '').trim()}${extra} */`.replace('/**  ', '/** '));
    if (spec.indexed) {
      const base = name.slice(0, -'[n]'.length);
      lines.push(`  [key: \`${base}\${number}\`]: ${tsType(spec)} | undefined;`);
    } else {
      lines.push(`  ${propertyKey(name)}${spec.optional ? '?' : ''}: ${tsType(spec)};`);
    }
  }
  return lines;
}

/** Value types of each property-string format, for the typed encoder (aliases left out). */
function propertyStringTypes(formats: ReadonlyMap<string, PropertyStringFormat>): string[] {
  const lines = [
    '/** Keys and value types of each property-string format, by format name. */',
    'export interface PropertyStringTypes {',
  ];
  for (const name of [...formats.keys()].sort()) {
    lines.push(`  ${JSON.stringify(name)}: {`);
    for (const [key, spec] of Object.entries(formats.get(name)!.keys)) {
      if ('alias' in spec) continue;
      lines.push(`    ${propertyKey(key)}${spec.optional ? '?' : ''}: ${tsType(spec)};`);
    }
    lines.push('  };');
  }
  lines.push('}', '');
  return lines;
}

export function emitRequestsFile(
  operations: readonly Operation[],
  formats: ReadonlyMap<string, PropertyStringFormat>,
  source: GeneratorSource,
): string {
  const blocks = operations.map((op) => {
    const name = `${operationTypeName(op.method, op.path)}Params`;
    const lines = paramLines(op);
    return [
      `/** ${op.method} ${op.path} (${op.spec.name}) */`,
      `export interface ${name} {`,
      ...lines,
      '}',
    ].join('\n');
  });
  const map = operations.map(
    (op) => `  ${JSON.stringify(`${op.method} ${op.path}`)}: ${operationTypeName(op.method, op.path)}Params;`,
  );
  return [
    fileHeader(source, 'Request parameter types (path, query and body parameters together).'),
    ...blocks.flatMap((b) => [b, '']),
    '/** Parameters by operation key ("METHOD /path/template"). */',
    'export interface PveRequestParams {',
    ...map,
    '}',
    '',
    'export type PveOperation = keyof PveRequestParams;',
    '',
    ...propertyStringTypes(formats),
  ].join('\n');
}
