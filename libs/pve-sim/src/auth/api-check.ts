import type { PermissionSpec } from '@infra/pve-api';
import { PveApiError, permError } from '../errors';
import type { Caller, Permissions } from './permissions';

/**
 * Interprets the `permissions` block of an endpoint as RPCEnvironment::check_api2_permissions does:
 * `user: world` needs nothing, `root@pam` (the user) passes everything, `user: all` leaves the checks to the
 * handler, otherwise the `check` expression decides: `['perm', path, privs, 'any', 1, 'require_param', p]`,
 * `['and', …]`, `['or', …]` (a failed `or` gives the bare "Permission check failed"), `['userid-param', …]`.
 */
export function checkApiPermissions(
  spec: PermissionSpec | undefined,
  caller: Caller,
  params: Readonly<Record<string, unknown>>,
  perms: Permissions,
): void {
  if (spec?.user === 'world') return;
  if (caller.authId === 'root@pam') return;
  if (!spec) throw permError();
  if (spec.user === 'all') return;
  if (spec.check) {
    evaluate(spec.check, caller, params, perms, false);
    return;
  }
  throw permError();
}

function evaluate(
  check: readonly unknown[],
  caller: Caller,
  params: Readonly<Record<string, unknown>>,
  perms: Permissions,
  noerr: boolean,
): boolean {
  const [test, ...args] = check;
  switch (test) {
    case 'perm': {
      const [template, privileges, ...rest] = args as [string, string[], ...unknown[]];
      const options = pairs(rest);
      const required = options.require_param;
      if (typeof required === 'string' && (params[required] === undefined || params[required] === null)) {
        if (noerr) return false;
        throw permError();
      }
      const path = template.replace(/\{([^}]+)\}/g, (_m, name: string) => String(params[name] ?? ''));
      try {
        perms.check(caller.authId, path, privileges, Boolean(options.any));
        return true;
      } catch (error) {
        if (noerr) return false;
        throw error;
      }
    }
    case 'and':
      for (const sub of args) if (!evaluate(sub as unknown[], caller, params, perms, noerr)) return false;
      return true;
    case 'or':
      for (const sub of args) if (evaluate(sub as unknown[], caller, params, perms, true)) return true;
      if (noerr) return false;
      throw permError();
    case 'userid-param': {
      const [sub] = args;
      if (sub === 'self' && params.userid === caller.authId) return true;
      if (noerr) return false;
      throw permError();
    }
    case 'userid-group': {
      const [privileges] = args as [string[]];
      const ok = privileges.some((p) => perms.has(caller.authId, '/access/groups', p));
      if (ok) return true;
      if (noerr) return false;
      throw permError('/access/groups', privileges, true);
    }
    default:
      throw new PveApiError(500, `unknown permission test '${String(test)}'`);
  }
}

function pairs(rest: readonly unknown[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (let i = 0; i + 1 < rest.length; i += 2) options[String(rest[i])] = rest[i + 1];
  return options;
}
