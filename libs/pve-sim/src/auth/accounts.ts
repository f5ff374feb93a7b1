import { createHash, randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AclEntry, SimState } from '../state/schema';

/**
 * Users, API tokens and ACLs. Token secrets are UUIDs like PVE's; only their SHA-256 is stored, so the
 * secret is shown once (when issued) and never again. Passwords are stored as scrypt hashes.
 */
export const accountsSchema = z.object({
  users: z
    .array(
      z.object({
        userid: z.string(),
        password: z.string().optional(),
        groups: z.array(z.string()).optional(),
        enable: z.boolean().optional(),
      }),
    )
    .optional(),
  tokens: z
    .array(
      z.object({
        id: z.string().regex(/^[^\s:/]+@[A-Za-z][\w.-]+![A-Za-z][\w.-]+$/),
        secret: z.string().min(1),
        privsep: z.boolean().optional(),
        expire: z.number().int().optional(),
      }),
    )
    .optional(),
  acl: z
    .array(
      z.object({
        path: z.string(),
        roleid: z.string(),
        ugid: z.string(),
        type: z.enum(['user', 'token', 'group']).optional(),
        propagate: z.boolean().optional(),
      }),
    )
    .optional(),
  roles: z.record(z.string(), z.array(z.string())).optional(),
});
export type Accounts = z.infer<typeof accountsSchema>;

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function tokenSecretMatches(storedHash: string, secret: string): boolean {
  const a = Buffer.from(storedHash, 'hex');
  const b = Buffer.from(hashTokenSecret(secret), 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `${salt.toString('hex')}:${scryptSync(password, salt, 32).toString('hex')}`;
}

export function passwordMatches(stored: string | undefined, password: string): boolean {
  if (!stored) return false;
  const [salt, hash] = stored.split(':');
  if (!salt || !hash) return false;
  const actual = scryptSync(password, Buffer.from(salt, 'hex'), 32);
  const expected = Buffer.from(hash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function ensureUser(state: SimState, userid: string): void {
  if (!state.users[userid]) state.users[userid] = { enable: true, expire: 0, groups: [] };
}

/** Creates or replaces a token; returns the secret (the only time it is visible). */
export function issueToken(
  state: SimState,
  id: string,
  options: { secret?: string; privsep?: boolean; expire?: number; comment?: string } = {},
): string {
  const userid = id.slice(0, id.indexOf('!'));
  ensureUser(state, userid);
  const secret = options.secret ?? randomUUID();
  state.tokens[id] = {
    secretHash: hashTokenSecret(secret),
    privsep: options.privsep ?? true,
    expire: options.expire ?? 0,
    ...(options.comment ? { comment: options.comment } : {}),
  };
  return secret;
}

/** Applies declared accounts idempotently (users, passwords, tokens with given secrets, ACL entries, roles). */
export function applyAccounts(state: SimState, accounts: Accounts): void {
  for (const user of accounts.users ?? []) {
    ensureUser(state, user.userid);
    const entry = state.users[user.userid]!;
    if (user.password !== undefined && !passwordMatches(entry.passwordHash, user.password))
      entry.passwordHash = hashPassword(user.password);
    if (user.groups) {
      entry.groups = user.groups;
      for (const group of user.groups) state.groups[group] ??= {};
    }
    if (user.enable !== undefined) entry.enable = user.enable;
  }
  for (const token of accounts.tokens ?? []) {
    const existing = state.tokens[token.id];
    const sameSecret = existing && tokenSecretMatches(existing.secretHash, token.secret);
    if (!sameSecret || existing.privsep !== (token.privsep ?? true)) {
      issueToken(state, token.id, {
        secret: token.secret,
        privsep: token.privsep ?? true,
        expire: token.expire ?? 0,
      });
    }
  }
  Object.assign(state.roles, accounts.roles ?? {});
  for (const acl of accounts.acl ?? [])
    addAcl(state, {
      path: acl.path,
      roleid: acl.roleid,
      ugid: acl.ugid,
      type: acl.type ?? (acl.ugid.includes('!') ? 'token' : acl.ugid.includes('@') ? 'user' : 'group'),
      propagate: acl.propagate ?? true,
    });
}

export function addAcl(state: SimState, entry: AclEntry): void {
  const same = (e: AclEntry) =>
    e.path === entry.path && e.type === entry.type && e.ugid === entry.ugid && e.roleid === entry.roleid;
  const existing = state.acl.find(same);
  if (existing) existing.propagate = entry.propagate;
  else state.acl.push(entry);
}
