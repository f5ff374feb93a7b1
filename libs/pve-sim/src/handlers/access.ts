import { issueToken, passwordMatches } from '../auth/accounts';
import { normalizePath } from '../auth/permissions';
import { BUILTIN_ROLES } from '../auth/roles';
import { createCsrfToken, createTicket, verifyTicket } from '../auth/tickets';
import { ok, type RequestContext, type Route } from '../core';
import { authError, dieError, permError } from '../errors';
import { bool, int, str } from '../http/params';

/** `POST /access/ticket`: password login, or renewal by passing the current ticket as the password. */
function createTicketHandler(ctx: RequestContext) {
  const state = ctx.state;
  let username = str(ctx.params, 'username') ?? '';
  const realm = str(ctx.params, 'realm');
  if (realm && !username.includes('@')) username = `${username}@${realm}`;
  const password = str(ctx.params, 'password') ?? '';
  const user = state.users[username];
  const renewing =
    password.startsWith('PVE:') &&
    verifyTicket(state.secrets.ticketKey, password, ctx.core.timing.ticketLifetimeSeconds) === username;
  if (!user?.enable || !(renewing || passwordMatches(user.passwordHash, password)))
    throw authError('authentication failure');
  const cap: Record<string, Record<string, number>> = {};
  for (const [name, path] of Object.entries({
    vms: '/vms',
    storage: '/storage',
    access: '/access',
    nodes: '/nodes',
    dc: '/',
    sdn: '/sdn',
    mapping: '/mapping',
  })) {
    cap[name] = Object.fromEntries([...ctx.core.perms.privileges(username, path).keys()].map((p) => [p, 1]));
  }
  return ok({
    username,
    ticket: createTicket(state.secrets.ticketKey, username),
    CSRFPreventionToken: createCsrfToken(state.secrets.csrfKey, username),
    clustername: state.clusterName,
    cap,
  });
}

/** `GET /access/permissions`: path → { privilege: propagate } for the caller, or a token it owns. */
function permissionsHandler(ctx: RequestContext) {
  const caller = ctx.caller;
  const target = str(ctx.params, 'userid') ?? caller.authId;
  if (target !== caller.authId && !target.startsWith(`${caller.userid}!`)) {
    if (!ctx.core.perms.has(caller.authId, '/access', 'Sys.Audit')) throw permError('/access', ['Sys.Audit']);
  }
  const only = str(ctx.params, 'path');
  const paths = only !== undefined ? [normalizePath(only)] : ctx.core.perms.knownPaths();
  const result: Record<string, Record<string, number>> = {};
  for (const path of paths) {
    const privs = ctx.core.perms.privileges(target, path);
    if (privs.size === 0 && only === undefined) continue;
    result[path] = Object.fromEntries(
      [...privs].sort(([a], [b]) => a.localeCompare(b)).map(([p, propagate]) => [p, propagate ? 1 : 0]),
    );
  }
  return ok(result);
}

function tokenInfo(ctx: RequestContext, full: string) {
  const token = ctx.state.tokens[full]!;
  return {
    privsep: token.privsep ? 1 : 0,
    expire: token.expire,
    ...(token.comment ? { comment: token.comment } : {}),
  };
}

function tokenId(ctx: RequestContext): { userid: string; tokenid: string; full: string } {
  const userid = str(ctx.params, 'userid')!;
  const tokenid = str(ctx.params, 'tokenid')!;
  if (!ctx.state.users[userid]) throw dieError(`no such user ('${userid}')`);
  return { userid, tokenid, full: `${userid}!${tokenid}` };
}

const SELF_OR_USER_MODIFY = {
  check: ['or', ['userid-param', 'self'], ['userid-group', ['User.Modify']]],
} as const;

export const accessRoutes: Route[] = [
  { method: 'POST', template: '/access/ticket', public: true, handler: createTicketHandler },
  { method: 'GET', template: '/access/ticket', public: true, handler: () => ok(null) },
  { method: 'GET', template: '/access/permissions', handler: permissionsHandler },
  {
    method: 'POST',
    template: '/access/users/{userid}/token/{tokenid}',
    permissions: SELF_OR_USER_MODIFY,
    async handler(ctx) {
      const { tokenid, full } = tokenId(ctx);
      if (ctx.state.tokens[full]) throw dieError('Token already exists.');
      const comment = str(ctx.params, 'comment');
      const value = issueToken(ctx.state, full, {
        privsep: bool(ctx.params, 'privsep') ?? true,
        expire: int(ctx.params, 'expire') ?? 0,
        ...(comment ? { comment } : {}),
      });
      await ctx.core.store.save();
      return ok({ 'full-tokenid': full, info: tokenInfo(ctx, full), value, tokenid });
    },
  },
  {
    method: 'GET',
    template: '/access/users/{userid}/token/{tokenid}',
    permissions: SELF_OR_USER_MODIFY,
    handler(ctx) {
      const { userid, tokenid, full } = tokenId(ctx);
      if (!ctx.state.tokens[full]) throw dieError(`no such token '${tokenid}' for user '${userid}'`);
      return ok(tokenInfo(ctx, full));
    },
  },
  {
    method: 'DELETE',
    template: '/access/users/{userid}/token/{tokenid}',
    permissions: SELF_OR_USER_MODIFY,
    async handler(ctx) {
      const { userid, tokenid, full } = tokenId(ctx);
      if (!ctx.state.tokens[full]) throw dieError(`no such token '${tokenid}' for user '${userid}'`);
      delete ctx.state.tokens[full];
      ctx.state.acl = ctx.state.acl.filter((e) => !(e.type === 'token' && e.ugid === full));
      await ctx.core.store.save();
      return ok(null);
    },
  },
  {
    method: 'GET',
    template: '/access/acl',
    permissions: { check: ['perm', '/access', ['Sys.Audit']] },
    handler: (ctx) =>
      ok(
        ctx.state.acl.map((e) => ({
          path: e.path,
          type: e.type,
          ugid: e.ugid,
          roleid: e.roleid,
          propagate: e.propagate ? 1 : 0,
        })),
      ),
  },
  {
    method: 'PUT',
    template: '/access/acl',
    permissions: { check: ['perm', '/access', ['Permissions.Modify']] },
    async handler(ctx) {
      const path = normalizePath(str(ctx.params, 'path') ?? '/');
      const roles = (str(ctx.params, 'roles') ?? '').split(/[,;\s]+/).filter(Boolean);
      const propagate = bool(ctx.params, 'propagate') ?? true;
      const remove = bool(ctx.params, 'delete') ?? false;
      const subjects: Array<{ type: 'user' | 'token' | 'group'; ugid: string }> = [];
      for (const type of ['users', 'tokens', 'groups'] as const) {
        for (const ugid of (str(ctx.params, type) ?? '').split(/[,;\s]+/).filter(Boolean)) {
          subjects.push({ type: type === 'users' ? 'user' : type === 'tokens' ? 'token' : 'group', ugid });
        }
      }
      for (const role of roles) {
        if (!ctx.state.roles[role] && !BUILTIN_ROLES[role]) throw dieError(`role '${role}' does not exist`);
      }
      for (const subject of subjects) {
        for (const roleid of roles) {
          ctx.state.acl = ctx.state.acl.filter(
            (e) =>
              !(e.path === path && e.type === subject.type && e.ugid === subject.ugid && e.roleid === roleid),
          );
          if (!remove) ctx.state.acl.push({ path, ...subject, roleid, propagate });
        }
      }
      await ctx.core.store.save();
      return ok(null);
    },
  },
];
