import { createHash } from 'node:crypto';
import { InfraError } from '@infra/core';
import type { HttpMethod } from '@infra/pve-api';
import { z } from 'zod';
import type { CodegenErrorCode } from './error-codes';

/** One property schema as Proxmox dumps it (parameters, property-string keys and return values alike). */
export interface RawProp {
  type?: string | undefined;
  optional?: number | boolean | undefined;
  default?: unknown;
  enum?: readonly unknown[] | null | undefined;
  pattern?: string | undefined;
  format?: string | Record<string, RawProp> | undefined;
  minimum?: number | string | undefined;
  maximum?: number | string | undefined;
  maxLength?: number | string | undefined;
  minLength?: number | string | undefined;
  typetext?: string | undefined;
  requires?: string | undefined;
  items?: RawProp | undefined;
  properties?: Record<string, RawProp> | undefined;
  additionalProperties?: unknown;
  default_key?: number | boolean | undefined;
  alias?: string | undefined;
  keyAlias?: string | undefined;
  description?: string | undefined;
}

const numberLike = z.union([z.number(), z.string()]).optional();

const rawProp: z.ZodType<RawProp> = z.lazy(() =>
  z.looseObject({
    type: z.string().optional(),
    optional: z.union([z.number(), z.boolean()]).optional(),
    default: z.unknown().optional(),
    enum: z.array(z.unknown()).nullable().optional(),
    pattern: z.string().optional(),
    format: z.union([z.string(), z.record(z.string(), rawProp)]).optional(),
    minimum: numberLike,
    maximum: numberLike,
    maxLength: numberLike,
    minLength: numberLike,
    typetext: z.string().optional(),
    requires: z.string().optional(),
    items: rawProp.optional(),
    properties: z.record(z.string(), rawProp).optional(),
    additionalProperties: z.unknown().optional(),
    default_key: z.union([z.number(), z.boolean()]).optional(),
    alias: z.string().optional(),
    keyAlias: z.string().optional(),
    description: z.string().optional(),
  }),
);

const rawMethod = z.looseObject({
  name: z.string(),
  method: z.string(),
  allowtoken: z.number().optional(),
  protected: z.number().optional(),
  proxyto: z.string().optional(),
  permissions: z
    .looseObject({
      check: z.array(z.unknown()).optional(),
      user: z.string().optional(),
      description: z.string().optional(),
    })
    .optional(),
  parameters: rawProp.optional(),
  returns: rawProp.optional(),
});
export type RawMethod = z.infer<typeof rawMethod>;

interface RawNode {
  path: string;
  info?: Record<string, unknown> | undefined;
  children?: RawNode[] | undefined;
}
const rawNode: z.ZodType<RawNode> = z.lazy(() =>
  z.looseObject({
    path: z.string(),
    info: z.record(z.string(), z.unknown()).optional(),
    children: z.array(rawNode).optional(),
  }),
);

export interface LoadedSchema {
  sha256: string;
  /** `"METHOD /path"` → the raw, not yet validated method description. */
  methods: Map<string, unknown>;
  pathCount: number;
}

export const operationKey = (method: HttpMethod, path: string): string => `${method} ${path}`;

/** Parses the official schema (the JSON array extracted from pve-docs api-viewer/apidata.js). */
export function loadSchema(text: string, source: string): LoadedSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InfraError<CodegenErrorCode>('PVE_SCHEMA_INVALID', `${source} is not valid JSON`, {
      hint: 'use the JSON array extracted from pve-docs api-viewer/apidata.js (tools/pve-codegen/README.md says how)',
      cause,
    });
  }
  const parsed = z.array(rawNode).safeParse(json);
  if (!parsed.success) {
    throw new InfraError<CodegenErrorCode>(
      'PVE_SCHEMA_INVALID',
      `${source} does not look like the Proxmox API schema tree`,
      {
        hint: 'expected an array of {path, info, children} nodes',
        details: { issues: parsed.error.issues.slice(0, 5) },
      },
    );
  }
  const methods = new Map<string, unknown>();
  let pathCount = 0;
  const walk = (node: RawNode) => {
    if (node.info) {
      pathCount += 1;
      for (const [method, info] of Object.entries(node.info)) methods.set(`${method} ${node.path}`, info);
    }
    for (const child of node.children ?? []) walk(child);
  };
  for (const node of parsed.data) walk(node);
  return { sha256: createHash('sha256').update(text).digest('hex'), methods, pathCount };
}

/** Validates one method description; only the methods the project uses are held to this shape. */
export function methodOf(schema: LoadedSchema, key: string): RawMethod | undefined {
  const info = schema.methods.get(key);
  if (info === undefined) return undefined;
  const parsed = rawMethod.safeParse(info);
  if (!parsed.success) {
    throw new InfraError<CodegenErrorCode>(
      'PVE_SCHEMA_INVALID',
      `${key} has an unexpected shape in the schema`,
      {
        details: { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
      },
    );
  }
  return parsed.data;
}

/** Reads the allowlist: one `METHOD /path` per line, `#` comments and blank lines ignored. */
export function parseAllowlist(text: string): Array<{ method: HttpMethod; path: string }> {
  const out: Array<{ method: HttpMethod; path: string }> = [];
  for (const [index, rawLine] of text.split('\n').entries()) {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '') continue;
    const match = /^(GET|POST|PUT|DELETE)\s+(\/\S*)$/.exec(line);
    if (!match) {
      throw new InfraError<CodegenErrorCode>(
        'PVE_ALLOWLIST_INVALID',
        `endpoints.txt line ${index + 1}: expected "METHOD /path", got "${line}"`,
        {
          hint: 'write e.g. "GET /nodes/{node}/qemu"',
        },
      );
    }
    out.push({ method: match[1] as HttpMethod, path: match[2]! });
  }
  return out;
}
