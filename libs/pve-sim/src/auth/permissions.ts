import { permError } from '../errors';
import type { AclEntry, SimState } from '../state/schema';
import { BUILTIN_ROLES, PRIVILEGES } from './roles';

/** The authenticated identity. For tokens `authId` is the full token id — never plain `root@pam`. */
export interface Caller {
  authId: string;
  userid: string;
  tokenName?: string;
  via: 'token' | 'ticket';
}

/** privilege → propagate flag, like `GET /access/permissions` prints per path. */
export type PrivilegeMap = Map<string, boolean>;

const ALL_PRIVILEGES: PrivilegeMap = new Map(PRIVILEGES.map((p) => [p, true]));

/** `/vms/100` → ['/', '/vms', '/vms/100'] */
function pathChain(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return ['/', ...parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)];
}

export function normalizePath(path: string): string {
  const clean = `/${path.split('/').filter(Boolean).join('/')}`;
  return clean;
}

/**
 * PVE's ACL evaluation (AccessControl::roles): walk from `/` to the path; at each level, entries for the
 * user (or token) replace what was inherited, group entries only when there is no user entry; entries on
 * ancestors count only if they propagate. `root@pam` (the user, not its tokens) has every privilege.
 * A token with privilege separation gets the intersection of its own ACLs and its user's privileges.
 */
export class Permissions {
  constructor(private readonly state: () => SimState) {}

  privileges(authId: string, rawPath: string): PrivilegeMap {
    const path = normalizePath(rawPath);
    const bang = authId.indexOf('!');
    if (bang === -1) return this.userPrivileges(authId, path);
    const userid = authId.slice(0, bang);
    const token = this.state().tokens[authId];
    const user = this.userPrivileges(userid, path);
    if (!token) return new Map();
    if (!token.privsep) return user;
    const own = this.fromAcl(
      path,
      (e) => e.type === 'token' && e.ugid === authId,
      () => false,
    );
    const both: PrivilegeMap = new Map();
    for (const [priv, propagate] of own) if (user.has(priv)) both.set(priv, propagate && user.get(priv)!);
    return both;
  }

  has(authId: string, path: string, privilege: string): boolean {
    return this.privileges(authId, path).has(privilege);
  }

  /** `$rpcenv->check` (all privileges) or `check_any`; throws 403 with PVE's text. */
  check(authId: string, path: string, privileges: readonly string[], any = false): void {
    const held = this.privileges(authId, path);
    if (any) {
      if (!privileges.some((p) => held.has(p))) throw permError(normalizePath(path), privileges, true);
      return;
    }
    for (const priv of privileges) if (!held.has(priv)) throw permError(normalizePath(path), [priv]);
  }

  /** The paths `GET /access/permissions` reports: the usual roots plus every path with an ACL entry. */
  knownPaths(): string[] {
    const paths = new Set([
      '/',
      '/access',
      '/access/groups',
      '/mapping',
      '/nodes',
      '/pool',
      '/sdn',
      '/storage',
      '/vms',
    ]);
    for (const entry of this.state().acl) paths.add(normalizePath(entry.path));
    return [...paths].sort();
  }

  private userPrivileges(userid: string, path: string): PrivilegeMap {
    const user = this.state().users[userid];
    if (!user?.enable) return new Map();
    if (user.expire > 0 && user.expire < Date.now() / 1000) return new Map();
    if (userid === 'root@pam') return new Map(ALL_PRIVILEGES);
    return this.fromAcl(
      path,
      (e) => e.type === 'user' && e.ugid === userid,
      (e) => e.type === 'group' && user.groups.includes(e.ugid),
    );
  }

  private fromAcl(
    path: string,
    isOwn: (e: AclEntry) => boolean,
    isGroup: (e: AclEntry) => boolean,
  ): PrivilegeMap {
    const acl = this.state().acl;
    let roles = new Map<string, boolean>();
    for (const level of pathChain(path)) {
      const final = level === path;
      const atLevel = acl.filter((e) => normalizePath(e.path) === level);
      const pick = (filter: (e: AclEntry) => boolean) => {
        const found = new Map<string, boolean>();
        for (const e of atLevel) if (filter(e) && (final || e.propagate)) found.set(e.roleid, e.propagate);
        return found;
      };
      const own = pick(isOwn);
      if (own.size > 0) {
        roles = own;
        continue;
      }
      const group = pick(isGroup);
      if (group.size > 0) roles = group;
    }
    const result: PrivilegeMap = new Map();
    if (roles.has('NoAccess')) return result;
    const custom = this.state().roles;
    for (const [role, propagate] of roles) {
      for (const priv of custom[role] ?? BUILTIN_ROLES[role] ?? [])
        result.set(priv, (result.get(priv) ?? false) || propagate);
    }
    return result;
  }
}
