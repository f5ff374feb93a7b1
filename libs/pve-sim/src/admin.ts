import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { writeFileAtomic } from '@infra/core';
import { z } from 'zod';
import { accountsSchema, addAcl, applyAccounts, hashPassword, issueToken } from './auth/accounts';
import type { SimCore } from './core';
import { faultRulesSchema } from './faults';
import { readBody } from './http/params';

/**
 * Simulator-only control endpoints under `/_sim/` (not part of the PVE API), used by `scripts/sim.ts` to
 * manage a detached simulator: reset, issue a token, ensure accounts, set a password, list/add/clear faults. Authenticated with the random
 * key in `<stateDir>/admin.key` (0600), so only the local user who owns the state dir can use them.
 */
export const ADMIN_KEY_FILE = 'admin.key';

export async function ensureAdminKey(stateDir: string): Promise<string> {
  const file = join(stateDir, ADMIN_KEY_FILE);
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing?.trim()) return existing.trim();
  const key = randomBytes(32).toString('hex');
  await writeFileAtomic(file, `${key}\n`, { mode: 0o600 });
  return key;
}

const tokenRequestSchema = z.object({
  id: z.string().regex(/^[^\s:/]+@[A-Za-z][\w.-]+![A-Za-z][\w.-]+$/),
  privsep: z.boolean().optional(),
  roles: z.array(z.object({ path: z.string(), roleid: z.string() })).optional(),
});
export type TokenRequest = z.infer<typeof tokenRequestSchema>;

/**
 * Creates (or rotates) a token and grants `roles`: to its user (a token without privilege separation acts
 * with its user's rights), and also to the token itself when it is privilege-separated (PVE then intersects
 * both). Returns the secret.
 */
export function issueTokenWithRoles(core: Pick<SimCore, 'store'>, request: TokenRequest): string {
  const state = core.store.state;
  const privsep = request.privsep ?? false;
  const secret = issueToken(state, request.id, { privsep });
  const userid = request.id.slice(0, request.id.indexOf('!'));
  for (const role of request.roles ?? []) {
    addAcl(state, { path: role.path, type: 'user', ugid: userid, roleid: role.roleid, propagate: true });
    if (privsep)
      addAcl(state, {
        path: role.path,
        type: 'token',
        ugid: request.id,
        roleid: role.roleid,
        propagate: true,
      });
  }
  return secret;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    Connection: 'close',
  });
  res.end(text);
}

export async function handleAdminRequest(
  core: SimCore,
  adminKey: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const given = Buffer.from(String(req.headers['x-sim-admin'] ?? ''));
  const expected = Buffer.from(adminKey);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return send(res, 401, { error: 'missing or wrong X-Sim-Admin key' });
  const route = `${req.method} ${url.pathname}`;
  let body: unknown = {};
  const raw = await readBody(req);
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(res, 400, { error: 'body must be JSON' });
    }
  }
  switch (route) {
    case 'GET /_sim/status':
      return send(res, 200, {
        vms: Object.keys(core.store.state.vms).length,
        tasks: core.store.state.tasks.length,
        faults: core.faults.list(),
        pid: process.pid,
      });
    case 'POST /_sim/reset':
      await core.tasks.idle();
      await core.store.reset();
      return send(res, 200, { ok: true });
    case 'POST /_sim/tokens': {
      const parsed = tokenRequestSchema.safeParse(body);
      if (!parsed.success) return send(res, 400, { error: parsed.error.issues[0]?.message });
      const secret = issueTokenWithRoles(core, parsed.data);
      await core.store.save();
      return send(res, 200, { id: parsed.data.id, secret });
    }
    case 'POST /_sim/password': {
      const parsed = z
        .object({ userid: z.string().regex(/^[^\s:/]+@[A-Za-z][\w.-]+$/), password: z.string().min(5) })
        .safeParse(body);
      if (!parsed.success) return send(res, 400, { error: parsed.error.issues[0]?.message });
      const state = core.store.state;
      state.users[parsed.data.userid] ??= { enable: true, expire: 0, groups: [] };
      state.users[parsed.data.userid]!.passwordHash = hashPassword(parsed.data.password);
      await core.store.save();
      return send(res, 200, { userid: parsed.data.userid });
    }
    case 'POST /_sim/accounts': {
      const parsed = accountsSchema.safeParse(body);
      if (!parsed.success) return send(res, 400, { error: parsed.error.issues[0]?.message });
      applyAccounts(core.store.state, parsed.data);
      await core.store.save();
      return send(res, 200, { ok: true });
    }
    case 'GET /_sim/faults':
      return send(res, 200, core.faults.list());
    case 'POST /_sim/faults': {
      const parsed = faultRulesSchema.safeParse(Array.isArray(body) ? body : [body]);
      if (!parsed.success) return send(res, 400, { error: parsed.error.issues[0]?.message });
      for (const rule of parsed.data) core.faults.add(rule);
      return send(res, 200, core.faults.list());
    }
    case 'DELETE /_sim/faults':
      core.faults.clear();
      return send(res, 200, []);
    default:
      return send(res, 404, { error: `no admin endpoint ${route}` });
  }
}
