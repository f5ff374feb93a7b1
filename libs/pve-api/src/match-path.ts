import { PVE_ENDPOINTS } from './generated/endpoints';
import type { HttpMethod, MethodSpec } from './table-types';

export interface PathMatch {
  /** The path template, e.g. `/nodes/{node}/qemu/{vmid}/config`. */
  template: string;
  method: HttpMethod;
  /** Decoded path parameters, e.g. `{ node: 'pve', vmid: '100' }`. */
  pathParams: Record<string, string>;
  spec: MethodSpec;
}

interface CompiledTemplate {
  template: string;
  segments: Array<{ literal: string } | { param: string }>;
  literalCount: number;
}

const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'DELETE'];

const compiled: CompiledTemplate[] = Object.keys(PVE_ENDPOINTS)
  .map((template) => {
    const segments = template
      .split('/')
      .filter(Boolean)
      .map((s) => (/^\{[^}]+\}$/.test(s) ? { param: s.slice(1, -1) } : { literal: s }));
    return { template, segments, literalCount: segments.filter((s) => 'literal' in s).length };
  })
  // Literal segments win over parameters when two templates could both match.
  .sort((a, b) => b.literalCount - a.literalCount);

/** Strips `/api2/json` and any query string, so both full request paths and API paths are accepted. */
export function apiPath(path: string): string {
  const noQuery = path.split('?')[0]!;
  return noQuery.replace(/^\/api2\/(?:json|extjs)(?=\/|$)/, '') || '/';
}

/**
 * Finds the endpoint for a concrete request path among the endpoints in the table. Returns null for
 * an unknown path or method: Proxmox answers those with 501 `Method 'GET /x' not implemented`.
 */
export function matchPath(method: string, path: string): PathMatch | null {
  const upper = method.toUpperCase();
  if (!METHODS.includes(upper)) return null;
  const parts = apiPath(path).split('/').filter(Boolean);
  for (const candidate of compiled) {
    if (candidate.segments.length !== parts.length) continue;
    const pathParams: Record<string, string> = {};
    let ok = true;
    for (const [i, segment] of candidate.segments.entries()) {
      let part: string;
      try {
        part = decodeURIComponent(parts[i]!);
      } catch {
        ok = false;
        break;
      }
      if ('literal' in segment) {
        if (segment.literal !== part) ok = false;
      } else pathParams[segment.param] = part;
      if (!ok) break;
    }
    if (!ok) continue;
    const spec = PVE_ENDPOINTS[candidate.template]?.[upper as HttpMethod];
    if (!spec) return null;
    return { template: candidate.template, method: upper as HttpMethod, pathParams, spec };
  }
  return null;
}

/** Fills a template: `fillPath('/nodes/{node}/qemu', { node: 'pve' })` → `/nodes/pve/qemu` (segments encoded). */
export function fillPath(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined)
      throw new TypeError(`fillPath: missing path parameter "${name}" for ${template}`);
    return encodeURIComponent(String(value));
  });
}
