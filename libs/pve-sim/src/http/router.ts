import type { Route } from '../core';

interface Compiled {
  route: Route;
  segments: Array<{ literal: string } | { param: string }>;
  literals: number;
}

/** Matches concrete API paths to the simulator's routes; literal segments win over `{param}` ones. */
export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes
      .map((route) => {
        const segments = route.template
          .split('/')
          .filter(Boolean)
          .map((s) => (/^\{[^}]+\}$/.test(s) ? { param: s.slice(1, -1) } : { literal: s }));
        return { route, segments, literals: segments.filter((s) => 'literal' in s).length };
      })
      .sort((a, b) => b.literals - a.literals);
  }

  /** `rawPath` is still percent-encoded; segments are decoded after splitting, so `%2F` stays inside one. */
  match(method: string, rawPath: string): { route: Route; pathParams: Record<string, string> } | null {
    const parts = rawPath.split('/').filter(Boolean).map(safeDecode);
    for (const candidate of this.compiled) {
      if (candidate.route.method !== method || candidate.segments.length !== parts.length) continue;
      const pathParams: Record<string, string> = {};
      const matched = candidate.segments.every((segment, i) => {
        const part = parts[i]!;
        if ('literal' in segment) return segment.literal === part;
        pathParams[segment.param] = part;
        return true;
      });
      if (matched) return { route: candidate.route, pathParams };
    }
    return null;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
