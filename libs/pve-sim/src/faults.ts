import { z } from 'zod';
import type { Rng } from './rng';

/**
 * Fault injection for tests and benchmarks. Each rule matches requests by method and path (a glob over the
 * path after /api2/json, `*` = one segment, `**` = anything; or a regex when it starts with `^`), fires at
 * most `times` times and/or with `probability` (drawn from the seeded RNG), and does one thing:
 * - latency: delay the response by `ms` (+ up to `jitterMs`);
 * - error: answer with `status` (4xx/5xx, incl. 595/596), `message` and optional `errors` instead of handling;
 * - reset: destroy the connection `before` handling (nothing happened) or `after` (the work is done, the
 *   client never hears — the case that tempts clients into duplicate creates);
 * - lock-timeout: the next VM (or storage) lock the request takes fails with PVE's "got timeout";
 * - task-failure: a task of `taskType` (e.g. qmclone) ends with `message` as its exit status;
 * - task-warning: a task does its work but logs `count` `WARN:` lines and ends `WARNINGS: n` (a success).
 */
const match = {
  method: z.string().optional(),
  path: z.string().optional(),
  times: z.number().int().positive().optional(),
  probability: z.number().min(0).max(1).optional(),
};

export const faultRuleSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('latency'),
    ms: z.number().nonnegative(),
    jitterMs: z.number().nonnegative().optional(),
    ...match,
  }),
  z.object({
    kind: z.literal('error'),
    status: z.number().int().min(400).max(599),
    message: z.string().optional(),
    /** Per-parameter errors, for 400s such as the `{upid: "no such task"}` some clients see on their first poll. */
    errors: z.record(z.string(), z.string()).optional(),
    ...match,
  }),
  z.object({ kind: z.literal('reset'), when: z.enum(['before', 'after']).optional(), ...match }),
  z.object({ kind: z.literal('lock-timeout'), scope: z.enum(['vm', 'storage']).optional(), ...match }),
  z.object({
    kind: z.literal('task-failure'),
    taskType: z.string().optional(),
    message: z.string(),
    log: z.array(z.string()).optional(),
    ...match,
  }),
  z.object({
    kind: z.literal('task-warning'),
    taskType: z.string().optional(),
    message: z.string().optional(),
    count: z.number().int().positive().optional(),
    ...match,
  }),
]);
export type FaultRule = z.infer<typeof faultRuleSchema>;
export const faultRulesSchema = z.array(faultRuleSchema);

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Parameter verification failed.',
  500: 'simulated internal server error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  595: 'Errors during connection establishment, proxy handshake: Connection refused',
  596: 'Errors during TLS negotiation, request sending and header processing: Connection timed out',
  599: 'Too many redirections',
};

interface ActiveRule {
  rule: FaultRule;
  fired: number;
  pattern: RegExp | null;
}

export interface RequestFaults {
  latencyMs: number;
  error?: { status: number; message: string; errors?: Record<string, string> };
  reset?: 'before' | 'after';
}

export class FaultInjector {
  private rules: ActiveRule[] = [];

  constructor(
    private readonly rng: Rng,
    rules: readonly FaultRule[] = [],
  ) {
    for (const rule of rules) this.add(rule);
  }

  add(rule: FaultRule): void {
    const parsed = faultRuleSchema.parse(rule);
    this.rules.push({
      rule: parsed,
      fired: 0,
      pattern: parsed.path === undefined ? null : pathPattern(parsed.path),
    });
  }

  clear(): void {
    this.rules = [];
  }

  /** The rules with how often each has fired. */
  list(): Array<FaultRule & { fired: number }> {
    return this.rules.map((r) => ({ ...r.rule, fired: r.fired }));
  }

  forRequest(method: string, path: string): RequestFaults {
    const result: RequestFaults = { latencyMs: 0 };
    for (const active of this.rules) {
      const rule = active.rule;
      if (rule.kind === 'lock-timeout' || rule.kind === 'task-failure' || rule.kind === 'task-warning')
        continue;
      if (rule.kind === 'error' && result.error) continue;
      if (rule.kind === 'reset' && result.reset) continue;
      if (!this.fires(active, method, path)) continue;
      if (rule.kind === 'latency')
        result.latencyMs += rule.ms + (rule.jitterMs ? this.rng.next() * rule.jitterMs : 0);
      else if (rule.kind === 'error')
        result.error = {
          status: rule.status,
          message: rule.message ?? DEFAULT_MESSAGES[rule.status] ?? 'simulated failure',
          ...(rule.errors ? { errors: rule.errors } : {}),
        };
      else result.reset = rule.when ?? 'before';
    }
    return result;
  }

  /** Whether the lock the request is about to take should time out. */
  lockTimeout(method: string, path: string, scope: 'vm' | 'storage'): boolean {
    return this.rules.some(
      (a) =>
        a.rule.kind === 'lock-timeout' && (a.rule.scope ?? 'vm') === scope && this.fires(a, method, path),
    );
  }

  taskFailure(method: string, path: string, taskType: string): { message: string; log?: string[] } | null {
    for (const active of this.rules) {
      const rule = active.rule;
      if (rule.kind !== 'task-failure' || (rule.taskType !== undefined && rule.taskType !== taskType))
        continue;
      if (this.fires(active, method, path))
        return { message: rule.message, ...(rule.log ? { log: rule.log } : {}) };
    }
    return null;
  }

  /** `WARN:` lines a task of this type should log (empty: none). */
  taskWarnings(method: string, path: string, taskType: string): string[] {
    for (const active of this.rules) {
      const rule = active.rule;
      if (rule.kind !== 'task-warning' || (rule.taskType !== undefined && rule.taskType !== taskType))
        continue;
      if (this.fires(active, method, path))
        return Array.from({ length: rule.count ?? 1 }, () => rule.message ?? 'simulated warning');
    }
    return [];
  }

  private fires(active: ActiveRule, method: string, path: string): boolean {
    const rule = active.rule;
    if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
    if (active.pattern && !active.pattern.test(path)) return false;
    if (rule.times !== undefined && active.fired >= rule.times) return false;
    if (rule.probability !== undefined && this.rng.next() >= rule.probability) return false;
    active.fired++;
    return true;
  }
}

function pathPattern(path: string): RegExp {
  if (path.startsWith('^')) return new RegExp(path);
  const source = path
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${source}$`);
}
