import type { Operation } from './emit-requests';
import { fileHeader, type GeneratorSource, operationTypeName, propertyKey } from './names';
import type { RawProp } from './schema-source';

const truthy = (value: unknown) => value === 1 || value === true || value === '1';

/** A zod expression (as source) for one return schema. */
export function zodFor(raw: RawProp | undefined, indent = ''): string {
  if (!raw) return 'z.unknown()';
  switch (raw.type) {
    case 'null':
      return 'z.null()';
    case 'integer':
      return 'pveInteger';
    case 'number':
      return 'pveNumber';
    case 'boolean':
      return 'pveBoolean';
    case 'string':
      return raw.enum && raw.enum.length > 0
        ? `pveEnum(${JSON.stringify(raw.enum.map(String))})`
        : 'z.string()';
    case 'array':
      return `z.array(${zodFor(raw.items, indent)})`;
    case 'object': {
      const props = Object.keys(raw.properties ?? {})
        .filter((name) => !name.endsWith('[n]'))
        .sort();
      if (props.length === 0) return 'pveAnyObject';
      const inner = `${indent}  `;
      const fields = props.map((name) => {
        const prop = raw.properties![name]!;
        const expr = zodFor(prop, inner);
        return `${inner}${propertyKey(name)}: ${expr}${truthy(prop.optional) ? '.optional()' : ''},`;
      });
      return `pveObject({\n${fields.join('\n')}\n${indent}})`;
    }
    default:
      return 'z.unknown()';
  }
}

export function emitResponsesFile(operations: readonly Operation[], source: GeneratorSource): string {
  const blocks = operations.map((op) => {
    const name = operationTypeName(op.method, op.path);
    return [
      `/** ${op.method} ${op.path}: the \`data\` of the response envelope. */`,
      `export const ${name}Response = ${zodFor(op.raw.returns)};`,
      `export type ${name}Result = z.output<typeof ${name}Response>;`,
    ].join('\n');
  });
  const map = operations.map(
    (op) =>
      `  ${JSON.stringify(`${op.method} ${op.path}`)}: ${operationTypeName(op.method, op.path)}Response,`,
  );
  return [
    fileHeader(
      source,
      'zod validators for response data (lenient where Perl is: numeric strings, 0/1 booleans, nulls).',
    ),
    "import { z } from 'zod';",
    "import { pveAnyObject, pveBoolean, pveEnum, pveInteger, pveNumber, pveObject } from '../response-scalars';",
    '',
    ...blocks.flatMap((b) => [b, '']),
    '/** Response validators by operation key ("METHOD /path/template"). */',
    'export const PVE_RESPONSES = {',
    ...map,
    '} as const;',
    '',
    'export type PveResponses = { [K in keyof typeof PVE_RESPONSES]: z.output<(typeof PVE_RESPONSES)[K]> };',
    '',
  ].join('\n');
}
