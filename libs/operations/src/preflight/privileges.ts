import { PVE_ENDPOINTS } from '@infra/pve-api';
import type { StageCall } from './stage-calls';

/** Privileges wanted on one ACL path (`any`: one of them is enough). */
export interface Requirement {
  path: string;
  privileges: readonly string[];
  any: boolean;
}

/** What `GET /access/permissions?path=<p>` says the token holds on each path asked about. */
export type HeldPrivileges = ReadonlyMap<string, ReadonlySet<string>>;

export interface CallVerdict {
  key: string;
  missing: Requirement[];
}

const concrete = (template: string, vars: Readonly<Record<string, string>>) =>
  template.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);

/**
 * A schema permission check (`['perm', path, [privs], 'any', 1]`, `['and', …]`, `['or', …]`) with its
 * placeholders filled in; `null` for forms that do not depend on ACLs here (`userid-param`, `user: all`) or
 * that need a parameter the stage never sends (`require_param`).
 */
type Expr = { all: Expr[] } | { one: Expr[] } | Requirement | null;

export function parseCheck(
  check: readonly unknown[] | undefined,
  vars: Readonly<Record<string, string>>,
): Expr {
  if (!check || check.length === 0) return null;
  const [op, ...rest] = check;
  if (op === 'and' || op === 'or') {
    const parts = rest.map((part) => parseCheck(part as readonly unknown[], vars));
    return op === 'and' ? { all: parts } : { one: parts };
  }
  if (op !== 'perm') return null;
  const [path, privileges, ...flags] = rest as [string, string[], ...unknown[]];
  if (flags.includes('require_param')) return { one: [] };
  return { path: concrete(path, vars), privileges, any: flags[0] === 'any' && flags[1] === 1 };
}

/** Every ACL path an expression looks at (what to ask `/access/permissions` about). */
export function pathsOf(expr: Expr): string[] {
  if (!expr) return [];
  if ('all' in expr) return expr.all.flatMap(pathsOf);
  if ('one' in expr) return expr.one.flatMap(pathsOf);
  return [expr.path];
}

interface Outcome {
  ok: boolean;
  missing: Requirement[];
}

function evaluate(expr: Expr, held: HeldPrivileges): Outcome {
  if (!expr) return { ok: true, missing: [] };
  if ('all' in expr) {
    const parts = expr.all.map((part) => evaluate(part, held));
    return { ok: parts.every((p) => p.ok), missing: parts.flatMap((p) => p.missing) };
  }
  if ('one' in expr) {
    const parts = expr.one.map((part) => evaluate(part, held));
    if (parts.some((p) => p.ok)) return { ok: true, missing: [] };
    // None holds: report the first alternative that names privileges (the one PVE's error names).
    return { ok: false, missing: parts.find((p) => p.missing.length > 0)?.missing ?? [] };
  }
  const have = held.get(expr.path) ?? new Set<string>();
  const lacking = expr.privileges.filter((p) => !have.has(p));
  const ok = expr.any ? lacking.length < expr.privileges.length : lacking.length === 0;
  return ok
    ? { ok, missing: [] }
    : { ok, missing: [{ ...expr, privileges: expr.any ? expr.privileges : lacking }] };
}

/** The expression a call needs: its schema block, plus the privileges its handler checks in code. */
export function callExpression(call: StageCall, vars: Readonly<Record<string, string>>): Expr {
  const [method, template] = call.key.split(' ') as [string, string];
  const spec = PVE_ENDPOINTS[template]?.[method as 'GET'];
  if (!spec) throw new Error(`stage-calls: ${call.key} is not in the PVE schema table`);
  const extra = (call.extra ?? []).map((e) => ({ path: e.path, privileges: e.privileges, any: false }));
  return { all: [parseCheck(spec.permissions.check, vars), ...extra] };
}

/** Missing privileges per call; empty `missing` means the call is allowed. */
export function judgeCalls(
  calls: readonly StageCall[],
  vars: Readonly<Record<string, string>>,
  held: HeldPrivileges,
): CallVerdict[] {
  return calls.map((call) => ({
    key: call.key,
    missing: evaluate(callExpression(call, vars), held).missing,
  }));
}
