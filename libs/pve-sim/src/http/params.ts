import type { IncomingMessage } from 'node:http';
import { PveApiError, paramError } from '../errors';

export type Params = Record<string, unknown>;

const MAX_BODY_BYTES = 1024 * 1024;

/** Reads the request body (bounded, like pveproxy's request size limit). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new PveApiError(413, 'Request Entity Too Large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Decodes `application/x-www-form-urlencoded` as pve-http-server does: `+` is a space, repeated keys become
 * an array (how `map=…&map=…` reaches array parameters), values are UTF-8.
 */
export function decodeForm(text: string): Params {
  const params: Params = {};
  for (const [key, value] of new URLSearchParams(text)) addParam(params, key, value);
  return params;
}

function addParam(params: Params, key: string, value: string): void {
  const existing = params[key];
  if (existing === undefined) params[key] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else params[key] = [existing, value];
}

/**
 * Query parameters merged over body parameters (GET/DELETE use the query; POST/PUT the body, form or JSON).
 * `_dc` (a cache buster) is dropped. A body on GET is refused as Proxmox does.
 */
export function extractParams(
  method: string,
  query: URLSearchParams,
  contentType: string | undefined,
  body: Buffer,
): Params {
  const params: Params = {};
  if (body.length > 0) {
    if (method === 'GET') throw new PveApiError(501, `Unexpected content for method '${method}'`);
    const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new PveApiError(400, 'malformed JSON string');
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw paramError({ body: 'expected a JSON object' });
      Object.assign(params, parsed);
    } else {
      Object.assign(params, decodeForm(body.toString('utf8')));
    }
  }
  const fromQuery: Params = {};
  for (const [key, value] of query) addParam(fromQuery, key, value);
  Object.assign(params, fromQuery);
  delete params._dc;
  return params;
}

/** Typed reads of already-validated parameters (form strings or JSON values). */
export function str(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? String(value[0]) : String(value);
}

export function int(params: Params, name: string): number | undefined {
  const value = str(params, name);
  return value === undefined ? undefined : Number.parseInt(value, 10);
}

export function bool(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  return value === true || value === 1 || value === '1';
}

export function list(params: Params, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
}
