import { InfraError } from '@infra/core';
import type { EndpointTable, HttpMethod, MethodSpec } from '@infra/pve-api';
import { FormatRegistry } from './compact';
import { compactMethod, emitEndpointsFile } from './emit-endpoints';
import { emitRequestsFile, type Operation } from './emit-requests';
import { emitResponsesFile } from './emit-responses';
import type { CodegenErrorCode } from './error-codes';
import { fileHeader, type GeneratorSource } from './names';
import { loadSchema, methodOf, parseAllowlist } from './schema-source';

export const SCHEMA_FILE_NAME = 'pve-api-schema-9.0.json';

/** Files under libs/pve-api/src/generated/, by file name. Pure: same inputs, same bytes. */
export function generate(schemaText: string, allowlistText: string): Map<string, string> {
  const schema = loadSchema(schemaText, SCHEMA_FILE_NAME);
  const source: GeneratorSource = { schemaFile: SCHEMA_FILE_NAME, schemaSha256: schema.sha256 };
  const registry = new FormatRegistry();
  const operations: Operation[] = [];
  const table: Record<string, Partial<Record<HttpMethod, MethodSpec>>> = {};
  for (const { method, path } of parseAllowlist(allowlistText)) {
    const key = `${method} ${path}`;
    const raw = methodOf(schema, key);
    if (!raw) {
      throw new InfraError<CodegenErrorCode>(
        'PVE_ALLOWLIST_UNKNOWN_ENDPOINT',
        `endpoints.txt lists ${key}, which the PVE 9.0 schema does not have`,
        {
          hint: 'check the path template spelling against the API viewer',
        },
      );
    }
    const spec = compactMethod(raw, key, registry);
    operations.push({ method, path, raw, spec });
    table[path] = { ...table[path], [method]: spec };
  }
  const files = new Map<string, string>();
  files.set('endpoints.ts', emitEndpointsFile(table as EndpointTable, registry, source));
  files.set('requests.ts', emitRequestsFile(operations, registry.formats, source));
  files.set('responses.ts', emitResponsesFile(operations, source));
  files.set(
    'meta.ts',
    [
      fileHeader(source, 'Where the generated files came from.'),
      `export const PVE_SCHEMA = ${JSON.stringify(
        {
          file: SCHEMA_FILE_NAME,
          sha256: schema.sha256,
          pveDocsCommit: 'a658d631ec863ddd84ae782916a14c9dffcb69b3',
          pveVersion: '9.0',
        },
        null,
        2,
      )} as const;`,
      '',
    ].join('\n'),
  );
  return files;
}
