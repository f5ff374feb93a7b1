import { InfraError } from '@infra/core';
import type {
  EndpointTable,
  HttpMethod,
  MethodSpec,
  PermissionSpec,
  PropertyStringFormat,
} from '@infra/pve-api';
import { compactParam, type FormatRegistry } from './compact';
import type { CodegenErrorCode } from './error-codes';
import { fileHeader, type GeneratorSource } from './names';
import type { RawMethod } from './schema-source';

function permissionsOf(raw: RawMethod): PermissionSpec {
  const p = raw.permissions ?? {};
  const out: PermissionSpec = {};
  if (p.check) out.check = p.check;
  if (p.user) out.user = p.user;
  if (!p.check && p.description) out.description = p.description;
  return out;
}

export function compactMethod(raw: RawMethod, where: string, registry: FormatRegistry): MethodSpec {
  const props = raw.parameters?.properties ?? {};
  if (raw.parameters?.additionalProperties !== undefined && raw.parameters.additionalProperties !== 0) {
    throw new InfraError<CodegenErrorCode>(
      'PVE_SCHEMA_INVALID',
      `${where} allows additional properties; the validator assumes not`,
    );
  }
  const params: MethodSpec['params'] = Object.fromEntries(
    Object.keys(props)
      .sort()
      .map((name) => [name, compactParam(props[name]!, name, `${where} ${name}`, registry)]),
  );
  const spec: MethodSpec = {
    name: raw.name,
    allowtoken: raw.allowtoken === 1,
    permissions: permissionsOf(raw),
    params,
  };
  if (raw.protected === 1) spec.protected = true;
  if (raw.proxyto) spec.proxyto = raw.proxyto;
  return spec;
}

/** One line per parameter keeps the table compact and its diffs readable. */
function emitMethod(method: HttpMethod, spec: MethodSpec): string {
  const { params, ...rest } = spec;
  const head = JSON.stringify(rest).slice(0, -1);
  const lines = Object.entries(params).map(
    ([name, p]) => `      ${JSON.stringify(name)}: ${JSON.stringify(p)},`,
  );
  return [`    ${method}: ${head}, "params": {`, ...lines, '    } },'].join('\n');
}

function emitFormat(name: string, format: PropertyStringFormat): string {
  const lines = Object.entries(format.keys).map(
    ([key, spec]) => `    ${JSON.stringify(key)}: ${JSON.stringify(spec)},`,
  );
  return [
    `  ${JSON.stringify(name)}: { "source": ${JSON.stringify(format.source)}, "keys": {`,
    ...lines,
    '  } },',
  ].join('\n');
}

export function emitEndpointsFile(
  table: EndpointTable,
  registry: FormatRegistry,
  source: GeneratorSource,
): string {
  const paths = Object.keys(table).sort();
  const endpointLines = paths.map((path) => {
    const methods = table[path]!;
    const body = (Object.keys(methods).sort() as HttpMethod[])
      .map((m) => emitMethod(m, methods[m]!))
      .join('\n');
    return `  ${JSON.stringify(path)}: {\n${body}\n  },`;
  });
  const formatNames = [...registry.formats.keys()].sort();
  return [
    fileHeader(
      source,
      "Compact parameter table: per path and method, each parameter's type, format and limits, plus permissions.",
    ),
    "import type { EndpointTable, PropertyStringFormat } from '../table-types';",
    '',
    'export const PVE_ENDPOINTS: EndpointTable = {',
    ...endpointLines,
    '};',
    '',
    '/** Property-string sub-schemas, referenced from parameters by `propertyString`. */',
    'export const PROPERTY_STRING_FORMATS: Readonly<Record<string, PropertyStringFormat>> = {',
    ...formatNames.map((name) => emitFormat(name, registry.formats.get(name)!)),
    '};',
    '',
  ].join('\n');
}
