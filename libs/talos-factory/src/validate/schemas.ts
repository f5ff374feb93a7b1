import { readFileSync } from 'node:fs';
import { InfraError } from '@infra/core';
import type { AnySchema, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import type { TalosFactoryErrorCode } from '../error-codes';
import { parseTalosVersion } from '../version';

/** JSON Schema as loaded (plain JSON objects). */
export type JsonSchema = { [key: string]: unknown };

interface SchemaEntry {
  /** Minor line this schema covers, e.g. "1.13". */
  line: string;
  file: string;
}

/** Vendored schemas (see ../../schemas/README.md): one per supported minor line. */
const SCHEMAS: readonly SchemaEntry[] = [
  { line: '1.13', file: 'talos-config-schema-v1.13.9.json' },
  { line: '1.14', file: 'talos-config-schema-v1.14.0-rc.1.json' },
];

export const SUPPORTED_SCHEMA_LINES: readonly string[] = SCHEMAS.map((s) => s.line);

export interface LoadedSchema {
  line: string;
  file: string;
  id: string;
  root: JsonSchema;
  defs: Record<string, JsonSchema>;
  /** Compiled validator for one `$defs` entry. */
  validatorFor(defName: string): ValidateFunction;
}

const cache = new Map<string, LoadedSchema>();

function load(entry: SchemaEntry): LoadedSchema {
  const cached = cache.get(entry.line);
  if (cached) return cached;
  const root = JSON.parse(
    readFileSync(new URL(`../../schemas/${entry.file}`, import.meta.url), 'utf8'),
  ) as JsonSchema;
  const id = String(root.$id);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // The only format the Talos schemas use; Go accepts any URL net/url can parse.
  ajv.addFormat('uri', /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$/);
  ajv.addSchema(root as AnySchema);
  const validators = new Map<string, ValidateFunction>();
  const loaded: LoadedSchema = {
    line: entry.line,
    file: entry.file,
    id,
    root,
    defs: (root.$defs ?? {}) as Record<string, JsonSchema>,
    validatorFor(defName) {
      let fn = validators.get(defName);
      if (!fn) {
        const found = ajv.getSchema(`${id}#/$defs/${defName}`);
        if (!found) throw new Error(`schema ${entry.file} has no $defs/${defName}`);
        fn = found;
        validators.set(defName, fn);
      }
      return fn;
    },
  };
  cache.set(entry.line, loaded);
  return loaded;
}

/** The machine-config schema for a Talos version's minor line. */
export function machineConfigSchema(talosVersion: string): LoadedSchema {
  const v = parseTalosVersion(talosVersion);
  const line = `${v.major}.${v.minor}`;
  const entry = SCHEMAS.find((s) => s.line === line);
  if (!entry) {
    throw new InfraError<TalosFactoryErrorCode>(
      'TALOS_SCHEMA_UNAVAILABLE',
      `no Talos machine-config schema is vendored for ${v.text} (line ${line})`,
      {
        hint: `vendored lines: ${SUPPORTED_SCHEMA_LINES.map((l) => `v${l}`).join(', ')}; add the schema for ${line} to libs/talos-factory/schemas/ (see its README)`,
      },
    );
  }
  return load(entry);
}

/** The `$defs` entry for a document kind (`kind` + `apiVersion`), or `v1alpha1.Config` for the legacy document. */
export function documentDefinition(
  schema: LoadedSchema,
  kind: string | undefined,
  apiVersion: string | undefined,
): string | undefined {
  if (kind === undefined) return 'v1alpha1.Config';
  for (const [name, def] of Object.entries(schema.defs)) {
    const props = def.properties as Record<string, { enum?: unknown[] }> | undefined;
    if (!props?.kind?.enum?.includes(kind)) continue;
    if (
      apiVersion === undefined ||
      props.apiVersion?.enum === undefined ||
      props.apiVersion.enum.includes(apiVersion)
    )
      return name;
  }
  return undefined;
}

/** All multi-document kinds of a schema (for "unknown kind" messages). */
export function documentKinds(schema: LoadedSchema): string[] {
  const kinds = new Set<string>();
  for (const def of Object.values(schema.defs)) {
    const props = def.properties as Record<string, { enum?: unknown[] }> | undefined;
    for (const k of props?.kind?.enum ?? []) kinds.add(String(k));
  }
  return [...kinds].sort();
}

/** Follows a local `$ref` (`#/$defs/...`). */
export function deref(schema: LoadedSchema, node: JsonSchema | undefined): JsonSchema | undefined {
  let current = node;
  for (let i = 0; i < 20 && current && typeof current.$ref === 'string'; i++) {
    const ref = current.$ref as string;
    const name = ref.startsWith('#/$defs/') ? ref.slice('#/$defs/'.length) : undefined;
    current = name ? schema.defs[name] : undefined;
  }
  return current;
}
